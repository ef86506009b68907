using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds;

/// <summary>
/// Where a schema's x-kubernetes-validations rules sit and which values of an object they apply to.
/// Schema paths are member names joined by dots, with "[]" for list items and "{}" for map values.
/// </summary>
public static class SchemaRules
{
    /// <summary>Every rule of <paramref name="schema"/> and the schemas below it, with their schema paths.</summary>
    public static IEnumerable<CelRule> Collect(JsonObject schema, string path = "")
    {
        foreach (var rule in schema["x-kubernetes-validations"] as JsonArray ?? [])
        {
            yield return new CelRule(path, rule.StringAt("rule")!, rule.StringAt("message") ?? $"failed rule: {rule.StringAt("rule")}");
        }

        string Join(string step) => path.Length == 0 ? step : $"{path}.{step}";
        var children = (schema["properties"] as JsonObject ?? [])
            .Select(p => (Join(p.Key), p.Value as JsonObject))
            .Append((Join("[]"), schema["items"] as JsonObject))
            .Append((Join("{}"), schema["additionalProperties"] as JsonObject));
        foreach (var (childPath, child) in children)
        {
            if (child is null)
            {
                continue;
            }

            foreach (var rule in Collect(child, childPath))
            {
                yield return rule;
            }
        }
    }

    /// <summary>The values of <paramref name="node"/> that <paramref name="schemaPath"/> addresses, with their JSON paths.</summary>
    public static IEnumerable<(string Location, JsonNode? Node)> Locate(JsonNode? node, string schemaPath, string location = "$")
    {
        if (schemaPath.Length == 0)
        {
            yield return (location, node);
            yield break;
        }

        var dot = schemaPath.IndexOf('.');
        var step = dot < 0 ? schemaPath : schemaPath[..dot];
        var rest = dot < 0 ? string.Empty : schemaPath[(dot + 1)..];
        IEnumerable<(string, JsonNode?)> children = (step, node) switch
        {
            ("[]", JsonArray array) => array.Select((item, i) => ($"{location}[{i}]", item)),
            ("{}", JsonObject map) => map.Select(p => ($"{location}.{p.Key}", p.Value)),
            (_, JsonObject obj) when step is not ("[]" or "{}") && obj.TryGetPropertyValue(step, out var child) => [($"{location}.{step}", child)],
            _ => [],
        };
        foreach (var (childLocation, child) in children)
        {
            foreach (var found in Locate(child, rest, childLocation))
            {
                yield return found;
            }
        }
    }
}
