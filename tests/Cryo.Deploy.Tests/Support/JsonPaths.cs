using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Support;

/// <summary>Small helpers for reading <see cref="JsonNode"/> trees by dotted path.</summary>
public static class JsonPaths
{
    /// <summary>The node at <paramref name="path"/> (dot-separated member names), or null when any step is missing.</summary>
    public static JsonNode? At(this JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(part, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The string at <paramref name="path"/>, or null when missing or not a string.</summary>
    public static string? StringAt(this JsonNode? node, string path) =>
        node.At(path) is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>The integer at <paramref name="path"/>, or null when missing or not an integer.</summary>
    public static long? IntegerAt(this JsonNode? node, string path) =>
        node.At(path) is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;

    /// <summary>The array at <paramref name="path"/> as objects, empty when missing.</summary>
    public static IEnumerable<JsonObject> ObjectsAt(this JsonNode? node, string path) =>
        node.At(path) is JsonArray array ? array.OfType<JsonObject>() : [];

    /// <summary>The string-to-string map at <paramref name="path"/>, empty when missing.</summary>
    public static IReadOnlyDictionary<string, string> MapAt(this JsonNode? node, string path) =>
        node.At(path) is JsonObject obj
            ? obj.Where(p => p.Value is JsonValue).ToDictionary(p => p.Key, p => p.Value!.ToString())
            : new Dictionary<string, string>();

    /// <summary>"kind/name" for messages.</summary>
    public static string Describe(this JsonNode node) =>
        $"{node.StringAt("kind") ?? "?"}/{node.StringAt("metadata.name") ?? "?"}";
}
