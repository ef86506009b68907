using System.Text.Json.Nodes;

namespace Cryo.Testing.Kubernetes;

/// <summary>
/// Strategic merge patch of a pod's status, as the API server applies it from the Pod type's patch tags: objects
/// merge recursively and null removes a field (as in a JSON merge patch), but a list the type tags
/// <c>patchStrategy:"merge"</c> merges element by element on its <c>patchMergeKey</c> (<c>status.conditions</c> by
/// <c>type</c>, so a controller's condition and the kubelet's live side by side), and an element carrying
/// <c>"$patch": "delete"</c> removes its match. Every other list (containerStatuses among them) is replaced whole.
/// Only the status lists are listed: this server takes strategic merge patches on pods/status only, and refuses
/// the directives it does not implement rather than guess at them.
/// </summary>
internal static class StrategicMergePatch
{
    /// <summary>The merge keys of the PodStatus lists tagged <c>patchStrategy:"merge"</c> in k8s.io/api/core/v1.</summary>
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["status.conditions"] = "type",
        ["status.podIPs"] = "ip",
        ["status.hostIPs"] = "ip",
        ["status.resourceClaimStatuses"] = "name",
    };

    public static JsonObject Apply(JsonObject target, JsonNode? patch) =>
        patch is JsonObject patchObject
            ? MergeObject(target, patchObject, "")
            : throw ApiError.BadRequest("a strategic merge patch must be a JSON object");

    private static JsonObject MergeObject(JsonObject target, JsonObject patch, string path)
    {
        var result = (JsonObject)target.DeepClone();
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$'))
            {
                throw Unsupported($"the directive {key} at {(path.Length == 0 ? "the root" : path)}");
            }

            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            result[key] = value switch
            {
                null => null,
                JsonObject o when result[key] is JsonObject current => MergeObject(current, o, childPath),
                JsonObject o => MergeObject(new JsonObject(), o, childPath),
                JsonArray a when MergeKeys.TryGetValue(childPath, out var mergeKey) => MergeList(result[key] as JsonArray, a, mergeKey, childPath),
                _ => value.DeepClone(),
            };
            if (value is null)
            {
                result.Remove(key);
            }
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray? target, JsonArray patch, string mergeKey, string path)
    {
        var result = (JsonArray?)target?.DeepClone() ?? [];
        foreach (var element in patch)
        {
            if (element is not JsonObject patchElement || patchElement[mergeKey]?.GetValue<string>() is not { } key)
            {
                throw ApiError.BadRequest($"{path}: an element does not contain declared merge key: {mergeKey}");
            }

            var index = IndexOf(result, mergeKey, key);
            var directive = patchElement["$patch"]?.GetValue<string>();
            if (directive == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }

                continue;
            }

            if (directive is not null)
            {
                throw Unsupported($"\"$patch\": \"{directive}\" in {path}");
            }

            if (index >= 0)
            {
                result[index] = MergeObject((JsonObject)result[index]!, patchElement, path);
            }
            else
            {
                result.Add(MergeObject(new JsonObject(), patchElement, path));
            }
        }

        return result;
    }

    private static int IndexOf(JsonArray list, string mergeKey, string key)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i]?[mergeKey]?.GetValue<string>() == key)
            {
                return i;
            }
        }

        return -1;
    }

    private static ApiError Unsupported(string what) =>
        ApiError.BadRequest($"the test API server does not implement {what} of strategic merge patch");
}
