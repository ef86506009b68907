using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cryo.Kubectl;

/// <summary>
/// Writes a JSON document as block-style YAML, the shape <c>kubectl get -o yaml</c> prints. Strings a YAML reader
/// could take for something else (numbers, booleans, null, leading indicators, ': ', ' #', newlines) are written
/// double-quoted with JSON's escapes, which YAML's double-quoted scalars share; everything else plain.
/// </summary>
public static class YamlWriter
{
    /// <summary>The YAML text of <paramref name="node"/>, ending with a newline.</summary>
    public static string Write(JsonNode? node)
    {
        var text = new StringBuilder();
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                WriteObject(text, o, 0);
                break;
            case JsonArray a when a.Count > 0:
                WriteArray(text, a, 0);
                break;
            default:
                text.Append(Scalar(node)).Append('\n');
                break;
        }

        return text.ToString();
    }

    private static void WriteObject(StringBuilder text, JsonObject o, int indent)
    {
        foreach (var (key, value) in o)
        {
            text.Append(' ', indent).Append(Key(key)).Append(':');
            WriteValue(text, value, indent, indentChildren: true);
        }
    }

    private static void WriteArray(StringBuilder text, JsonArray a, int indent)
    {
        foreach (var item in a)
        {
            text.Append(' ', indent).Append('-');
            if (item is JsonObject { Count: > 0 } o)
            {
                // The first key goes on the dash's line, the rest line up under it.
                var first = true;
                foreach (var (key, value) in o)
                {
                    if (!first)
                    {
                        text.Append(' ', indent + 2);
                    }
                    else
                    {
                        text.Append(' ');
                    }

                    first = false;
                    text.Append(Key(key)).Append(':');
                    WriteValue(text, value, indent + 2, indentChildren: true);
                }
            }
            else
            {
                WriteValue(text, item, indent, indentChildren: false);
            }
        }
    }

    private static void WriteValue(StringBuilder text, JsonNode? value, int indent, bool indentChildren)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 } child:
                text.Append('\n');
                WriteObject(text, child, indent + 2);
                break;
            case JsonArray { Count: > 0 } items:
                text.Append('\n');
                // kubectl writes a mapping's list items at the key's own indentation.
                WriteArray(text, items, indentChildren ? indent : indent + 2);
                break;
            case JsonObject:
                text.Append(" {}\n");
                break;
            case JsonArray:
                text.Append(" []\n");
                break;
            default:
                text.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static string Key(string key) => NeedsQuotes(key) ? JsonSerializer.Serialize(key, KubectlJsonContext.Default.String) : key;

    private static string Scalar(JsonNode? node)
    {
        if (node is null)
        {
            return "null";
        }

        var value = node.AsValue();
        return value.GetValueKind() switch
        {
            JsonValueKind.String when value.GetValue<string>() is var s && !NeedsQuotes(s) => s,
            JsonValueKind.String => JsonSerializer.Serialize(value.GetValue<string>(), KubectlJsonContext.Default.String),
            _ => value.ToJsonString(),
        };
    }

    private static bool NeedsQuotes(string s) =>
        s.Length == 0
        || s != s.Trim()
        || "-?:,[]{}#&*!|>'\"%@`~".Contains(s[0], StringComparison.Ordinal)
        || s.Contains(": ", StringComparison.Ordinal) || s.Contains(" #", StringComparison.Ordinal) || s.EndsWith(':')
        || s.Any(char.IsControl)
        || s.ToLowerInvariant() is "true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n" or "null" or "~"
        || double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
        || s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || s.StartsWith("0o", StringComparison.OrdinalIgnoreCase);
}
