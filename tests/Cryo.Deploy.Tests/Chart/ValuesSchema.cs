using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Cryo.Deploy.Tests.Chart;

/// <summary>The chart's values.schema.json, evaluated as Helm does before rendering (draft 7).</summary>
public static class ValuesSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(
        File.ReadAllText(RepoRoot.Combine("charts/cryo/values.schema.json")),
        new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    /// <summary>The schema document as JSON.</summary>
    public static JsonNode Document() => JsonNode.Parse(File.ReadAllText(RepoRoot.Combine("charts/cryo/values.schema.json")))!;

    /// <summary>The chart's default values.</summary>
    public static JsonNode DefaultValues() => YamlDocuments.ParseSingleFile(RepoRoot.Combine("charts/cryo/values.yaml"));

    /// <summary>The schema's errors for <paramref name="values"/> (empty when valid).</summary>
    public static List<string> Errors(JsonNode values)
    {
        using var document = JsonDocument.Parse(values.ToJsonString());
        var result = Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : (result.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
                .DefaultIfEmpty("invalid")
                .ToList();
    }
}
