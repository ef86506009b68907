using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cryo.Kubectl;

/// <summary>Reads fields of objects the API server returned, tolerating any that are missing.</summary>
public static class Json
{
    /// <summary>The node at <paramref name="path"/>, or null.</summary>
    public static JsonNode? At(JsonNode? node, params string[] path)
    {
        ArgumentNullException.ThrowIfNull(path);
        foreach (var key in path)
        {
            node = node is JsonObject o ? o[key] : null;
        }

        return node;
    }

    /// <summary>The string at <paramref name="path"/>, or null.</summary>
    public static string? String(JsonNode? node, params string[] path) =>
        At(node, path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The whole number at <paramref name="path"/> (also when written as a string), or null.</summary>
    public static long? Long(JsonNode? node, params string[] path) => At(node, path) switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<long>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    /// <summary>The timestamp at <paramref name="path"/>, or null.</summary>
    public static DateTimeOffset? Time(JsonNode? node, params string[] path) =>
        String(node, path) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>Objects as one v1 <c>List</c>, as kubectl prints several objects.</summary>
    public static JsonObject List(IEnumerable<JsonObject> items) =>
        new() { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray([.. items.Select(i => (JsonNode)i.DeepClone())]) };
}
