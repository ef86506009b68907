using System.Text.Json.Nodes;

namespace Cryo.Testing.Kubernetes;

/// <summary>JSON patch (RFC 6902): add, remove, replace, move, copy and test, with JSON pointers (RFC 6901).</summary>
internal static class JsonPatch
{
    /// <summary>Applies the operations to a copy of <paramref name="document"/>; a failed op is a <see cref="PatchFailedException"/>.</summary>
    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        var root = new JsonObject { ["doc"] = document.DeepClone() };
        foreach (var op in operations)
        {
            if (op is not JsonObject o || o["op"]?.GetValue<string>() is not { } name || o["path"]?.GetValue<string>() is not { } path)
            {
                throw new PatchFailedException("each operation needs \"op\" and \"path\"");
            }

            switch (name)
            {
                case "add":
                    Add(root, path, Value(o));
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, Value(o));
                    break;
                case "move":
                    var moved = Remove(root, From(o));
                    Add(root, path, moved);
                    break;
                case "copy":
                    Add(root, path, Get(root, From(o))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), Value(o)))
                    {
                        throw new PatchFailedException($"testing value at {path} failed");
                    }

                    break;
                default:
                    throw new PatchFailedException($"unexpected op {name}");
            }
        }

        return root["doc"]!.DeepClone();
    }

    private static JsonNode? Value(JsonObject op) =>
        op.TryGetPropertyValue("value", out var v) ? v?.DeepClone() : throw new PatchFailedException("missing value");

    private static string From(JsonObject op) =>
        op["from"]?.GetValue<string>() ?? throw new PatchFailedException("missing from");

    private static (JsonNode Parent, string Key) Locate(JsonObject root, string pointer)
    {
        if (pointer.Length > 0 && pointer[0] != '/')
        {
            throw new PatchFailedException($"invalid pointer {pointer}");
        }

        var tokens = pointer.Length == 0 ? [] : pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
        JsonNode parent = root;
        var key = "doc";
        foreach (var token in tokens)
        {
            parent = Child(parent, key) ?? throw new PatchFailedException($"path {pointer} does not exist");
            key = token;
        }

        return (parent, key);
    }

    private static JsonNode? Child(JsonNode parent, string key) => parent switch
    {
        JsonObject o => o.TryGetPropertyValue(key, out var v) ? v : throw new PatchFailedException($"missing key {key}"),
        JsonArray a when int.TryParse(key, out var i) && i >= 0 && i < a.Count => a[i],
        _ => throw new PatchFailedException($"cannot index {key}"),
    };

    private static JsonNode? Get(JsonObject root, string pointer)
    {
        var (parent, key) = Locate(root, pointer);
        return Child(parent, key);
    }

    private static void Add(JsonObject root, string pointer, JsonNode? value)
    {
        var (parent, key) = Locate(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[key] = value;
                break;
            case JsonArray a when key == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(key, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new PatchFailedException($"cannot add at {pointer}");
        }
    }

    private static JsonNode? Remove(JsonObject root, string pointer)
    {
        var (parent, key) = Locate(root, pointer);
        var existing = Child(parent, key);
        switch (parent)
        {
            case JsonObject o:
                o.Remove(key);
                break;
            case JsonArray a:
                a.RemoveAt(int.Parse(key));
                break;
        }

        return existing;
    }
}
