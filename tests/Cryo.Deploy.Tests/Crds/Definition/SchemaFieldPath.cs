using System.Globalization;
using System.Text;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// Resolves a field path of a rule's fieldPath or a selectable field (<c>.spec.name</c>, <c>['a.b']</c>,
/// <c>.items[0]</c>) against a schema, the way the API server's cel.ValidFieldPath does: named steps must be
/// declared properties, map steps go through additionalProperties, and list indices only where allowed.
/// </summary>
public static class SchemaFieldPath
{
    /// <summary>The schema the path leads to, or null when the path is invalid.</summary>
    public static SchemaNode? Resolve(string path, SchemaNode schema, bool allowArrayNotation) =>
        Walk(path, schema, allowArrayNotation, out _);

    /// <summary>Like <see cref="Resolve"/>, also giving the first step's name.</summary>
    public static SchemaNode? Walk(string path, SchemaNode schema, bool allowArrayNotation, out string? firstStep)
    {
        firstStep = null;
        var i = 0;
        while (i < path.Length)
        {
            string step;
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] is not ('.' or '['))
                {
                    end++;
                }

                step = path[(i + 1)..end];
                i = end;
                if (step.Length == 0)
                {
                    return null;
                }
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0)
                {
                    return null;
                }

                var inside = path[(i + 1)..close];
                i = close + 1;
                if (inside.Length >= 2 && inside[0] == '\'' && inside[^1] == '\'')
                {
                    step = Unquote(inside[1..^1]);
                }
                else if (allowArrayNotation && schema.Type == "array" && int.TryParse(inside, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    schema = schema.Items!;
                    firstStep ??= inside;
                    if (schema is null)
                    {
                        return null;
                    }

                    continue;
                }
                else
                {
                    return null;
                }
            }
            else
            {
                return null;
            }

            firstStep ??= step;
            SchemaNode? next = schema.HasProperties ? schema.Property(step)
                : schema.AdditionalProperties is { } values ? values
                : null;
            if (next is null)
            {
                return null;
            }

            schema = next;
        }

        return schema;
    }

    private static string Unquote(string quoted)
    {
        var text = new StringBuilder();
        for (var i = 0; i < quoted.Length; i++)
        {
            if (quoted[i] == '\\' && i + 1 < quoted.Length)
            {
                i++;
            }

            text.Append(quoted[i]);
        }

        return text.ToString();
    }
}
