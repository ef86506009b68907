using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Crds.Definition;

/// <summary>
/// The repository's CRDs as fresh, mutable JSON for tests that break them one change at a time, and the
/// checker's verdict as the strings the API server would print.
/// </summary>
public static class TestCrds
{
    /// <summary>The CRD files the checker must accept.</summary>
    public static TheoryData<string> Files =>
        new("checkpoints.cryo.io.yaml", "restores.cryo.io.yaml", "checkpointschedules.cryo.io.yaml", "restoresets.cryo.io.yaml", "migrations.cryo.io.yaml");

    /// <summary>A fresh copy of crds/<paramref name="file"/>.</summary>
    public static JsonObject Load(string file) => (JsonObject)YamlDocuments.ParseSingleFile(RepoRoot.Combine($"crds/{file}"));

    /// <summary>A fresh copy of the Checkpoint CRD.</summary>
    public static JsonObject Checkpoint() => Load("checkpoints.cryo.io.yaml");

    /// <summary>A fresh copy of the Restore CRD.</summary>
    public static JsonObject Restore() => Load("restores.cryo.io.yaml");

    /// <summary>The first (only) version of <paramref name="crd"/>.</summary>
    public static JsonObject Version(JsonObject crd) => (JsonObject)crd["spec"]!["versions"]![0]!;

    /// <summary>
    /// The schema at <paramref name="path"/> below the openAPIV3Schema root: property names joined by dots,
    /// "[]" for array items, "{}" for additionalProperties ("" for the root itself).
    /// </summary>
    public static JsonObject Schema(JsonObject crd, string path = "")
    {
        var schema = (JsonObject)Version(crd)["schema"]!["openAPIV3Schema"]!;
        foreach (var step in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            schema = step switch
            {
                "[]" => (JsonObject)schema["items"]!,
                "{}" => (JsonObject)schema["additionalProperties"]!,
                _ => (JsonObject)schema["properties"]![step]!,
            };
        }

        return schema;
    }

    /// <summary>A JSON value written as YAML (flow or block), for schemas spliced into a CRD.</summary>
    public static JsonNode Yaml(string yaml) => YamlDocuments.Parse(yaml, "test").Single();

    /// <summary>Everything the checker refuses in <paramref name="crd"/>, as printed.</summary>
    public static IReadOnlyList<string> Problems(JsonObject crd) => CrdDefinitionChecker.Check(crd).Select(p => p.ToString()).ToList();

    /// <summary>Asserts that the checker refuses <paramref name="crd"/> with a problem printed exactly as <paramref name="expected"/>.</summary>
    public static void AssertRefused(JsonObject crd, string expected)
    {
        var problems = Problems(crd);
        Assert.True(problems.Contains(expected), $"expected:\n  {expected}\nfound:\n  {string.Join("\n  ", problems.DefaultIfEmpty("(nothing)"))}");
    }

    /// <summary>Asserts that some problem of <paramref name="crd"/> starts with <paramref name="pathAndType"/> and mentions <paramref name="detail"/>.</summary>
    public static void AssertRefused(JsonObject crd, string pathAndType, string detail)
    {
        var problems = Problems(crd);
        Assert.True(
            problems.Any(p => p.StartsWith(pathAndType, StringComparison.Ordinal) && p.Contains(detail, StringComparison.Ordinal)),
            $"expected a problem starting:\n  {pathAndType}\nmentioning:\n  {detail}\nfound:\n  {string.Join("\n  ", problems.DefaultIfEmpty("(nothing)"))}");
    }

    /// <summary>Asserts that the checker accepts <paramref name="crd"/>.</summary>
    public static void AssertAccepted(JsonObject crd)
    {
        var problems = Problems(crd);
        Assert.True(problems.Count == 0, $"expected no problems, found:\n  {string.Join("\n  ", problems)}");
    }
}
