using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cryo.Deploy.Tests.Support;

/// <summary>
/// Reads YAML into <see cref="JsonNode"/> trees, resolving plain scalars the way Kubernetes and Helm do
/// (sigs.k8s.io/yaml over go-yaml: YAML 1.1 booleans and octal ints included), so what the tests validate
/// is what an API server would receive.
/// </summary>
public static class YamlDocuments
{
    /// <summary>Parses every document of <paramref name="yaml"/>; empty documents are skipped.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <param name="source">Where the text came from, for error messages.</param>
    public static IReadOnlyList<JsonNode> Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{source}: invalid YAML at {e.Start}: {e.Message}", e);
        }

        var result = new List<JsonNode>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" })
            {
                continue;
            }

            var node = Convert(document.RootNode);
            if (node is not null)
            {
                result.Add(node);
            }
        }

        return result;
    }

    /// <summary>Parses a file holding exactly one document.</summary>
    public static JsonNode ParseSingleFile(string path)
    {
        var documents = Parse(File.ReadAllText(path), path);
        return documents.Count == 1
            ? documents[0]
            : throw new InvalidDataException($"{path}: expected one YAML document, found {documents.Count}");
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => ConvertMapping(map),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new InvalidDataException($"unsupported YAML node {node.NodeType} at {node.Start}"),
    };

    private static JsonObject ConvertMapping(YamlMappingNode map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = key is YamlScalarNode { Value: { } text }
                ? text
                : throw new InvalidDataException($"non-scalar mapping key at {key.Start}");
            if (result.ContainsKey(name))
            {
                throw new InvalidDataException($"duplicate key '{name}' at {key.Start}");
            }

            result[name] = Convert(value);
        }

        return result;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        var tag = scalar.Tag;
        var taggedString = !tag.IsEmpty && !tag.IsNonSpecific && tag.Value is "tag:yaml.org,2002:str" or "!!str";
        if (scalar.Style != ScalarStyle.Plain || taggedString)
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N":
                return JsonValue.Create(false);
        }

        if (TryParseInteger(text, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (IsFloat(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(text);
    }

    private static bool TryParseInteger(string text, out long value)
    {
        value = 0;
        var negative = text.StartsWith('-');
        var digits = text.TrimStart('+', '-');
        if (digits.Length == 0)
        {
            return false;
        }

        bool ok;
        if (digits.StartsWith("0x", StringComparison.Ordinal))
        {
            ok = long.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }
        else if (digits.StartsWith("0o", StringComparison.Ordinal) || (digits.Length > 1 && digits[0] == '0' && digits.All(char.IsAsciiDigit)))
        {
            var octal = digits.StartsWith("0o", StringComparison.Ordinal) ? digits[2..] : digits[1..];
            ok = octal.Length > 0 && octal.All(c => c is >= '0' and <= '7');
            value = ok ? System.Convert.ToInt64(octal, 8) : 0;
        }
        else
        {
            ok = digits.All(char.IsAsciiDigit) && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }

        if (ok && negative)
        {
            value = -value;
        }

        return ok;
    }

    private static bool IsFloat(string text) =>
        text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.')
        && text.Any(char.IsAsciiDigit)
        && text.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '-' or '+');
}
