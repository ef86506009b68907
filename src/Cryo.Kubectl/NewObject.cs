using System.Text.Json.Nodes;

namespace Cryo.Kubectl;

/// <summary>The body of a new Cryo object.</summary>
public static class NewObject
{
    /// <summary>
    /// An object of <paramref name="kind"/> named <paramref name="name"/>, or, without one, named by the API server
    /// from <paramref name="generateName"/> as kubectl's <c>generateName</c> objects are.
    /// </summary>
    public static JsonObject Of(CryoKinds.Kind kind, string? name, string generateName, JsonObject spec)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var metadata = name is { Length: > 0 } ? new JsonObject { ["name"] = name } : new JsonObject { ["generateName"] = generateName };
        return new JsonObject
        {
            ["apiVersion"] = CryoKinds.ApiVersion,
            ["kind"] = kind.Name,
            ["metadata"] = metadata,
            ["spec"] = spec,
        };
    }
}
