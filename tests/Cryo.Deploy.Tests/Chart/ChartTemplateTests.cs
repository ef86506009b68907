using System.Text.Json.Nodes;

namespace Cryo.Deploy.Tests.Chart;

/// <summary>The chart's templates, checked without Helm: values they use exist, and their structure balances.</summary>
public sealed class ChartTemplateTests
{
    private static readonly string ChartDirectory = RepoRoot.Combine("charts/cryo");

    // Every file under templates/, tests/ (the helm test hooks) included, relative to templates/.
    public static TheoryData<string> Templates()
    {
        var data = new TheoryData<string>();
        foreach (var file in TemplateFiles().Order(StringComparer.Ordinal))
        {
            data.Add(System.IO.Path.GetRelativePath(System.IO.Path.Combine(ChartDirectory, "templates"), file).Replace('\\', '/'));
        }

        return data;
    }

    private static string[] TemplateFiles() =>
        Directory.GetFiles(System.IO.Path.Combine(ChartDirectory, "templates"), "*", SearchOption.AllDirectories);

    [Theory]
    [MemberData(nameof(Templates))]
    public void Template_Should_ReferenceOnlyValuesThatExist(string template)
    {
        // Arrange
        var values = YamlDocuments.ParseSingleFile(System.IO.Path.Combine(ChartDirectory, "values.yaml"));
        var text = File.ReadAllText(System.IO.Path.Combine(ChartDirectory, "templates", template));

        // Act
        var missing = HelmTemplateScanner.ValuesReferences(text)
            .Where(r => !Exists(values, r.Path))
            .Select(r => $"line {r.Line}: .Values.{r.Path}")
            .ToList();

        // Assert
        Assert.True(missing.Count == 0, $"{template} uses values missing from values.yaml:\n{string.Join("\n", missing)}");
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Template_Should_BalanceDelimitersAndBlocks(string template)
    {
        // Arrange
        var text = File.ReadAllText(System.IO.Path.Combine(ChartDirectory, "templates", template));

        // Act
        var problems = HelmTemplateScanner.CheckStructure(text);

        // Assert
        Assert.True(problems.Count == 0, $"{template}:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public void Templates_Should_UseEveryValue()
    {
        // Arrange: a value no template reads is a setting that silently does nothing.
        var values = YamlDocuments.ParseSingleFile(System.IO.Path.Combine(ChartDirectory, "values.yaml"));
        var used = TemplateFiles()
            .SelectMany(f => HelmTemplateScanner.ValuesReferences(File.ReadAllText(f)))
            .Select(r => r.Path)
            .ToHashSet();

        // Act
        var unused = Leaves(values, string.Empty)
            .Where(path => !used.Any(u => u == path || path.StartsWith(u + ".", StringComparison.Ordinal)))
            .ToList();

        // Assert
        Assert.True(unused.Count == 0, $"values no template reads:\n{string.Join("\n", unused)}");
    }

    [Theory]
    [InlineData("{{ if .Values.a }}x", "'if' has no 'end'")]
    [InlineData("{{ end }}", "'end' without an open block")]
    [InlineData("{{ .Values.a }", "never closed")]
    [InlineData("x }} y", "without")]
    [InlineData("{{ define \"x\" }}{{ else }}{{ end }}", "'else' outside")]
    [InlineData("{{ include (print \"a\" }}", "unbalanced parentheses")]
    public void Scanner_Should_ReportProblem_When_TemplateIsBroken(string template, string expected)
    {
        // Act
        var problems = HelmTemplateScanner.CheckStructure(template);

        // Assert
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Skeleton_Should_DropCommentsAndActionLinesAndFillInTheRest()
    {
        // Arrange
        const string template = "{{- /*\n a comment \n*/ -}}\n{{- if .Values.a }}\nmetadata:\n  name: {{ include \"n\" . }}-x\n  labels:\n    {{- include \"l\" . | nindent 4 }}\n    k: v\n{{- end }}\n";

        // Act
        var skeleton = HelmTemplateScanner.Skeleton(template, "p");

        // Assert
        Assert.Equal("metadata:\n  name: p-x\n  labels:\n    k: v\n", skeleton.TrimStart('\n'));
    }

    [Fact]
    public void Scanner_Should_AcceptNestedBlocksAndComments()
    {
        // Arrange
        const string template = "{{/* a \"quoted\" {{ comment */}}{{- if .Values.a }}{{ range $x := .Values.b }}{{ with $.Values.c.d }}{{ . }}{{ else }}-{{ end }}{{ end }}{{- else if .Values.e -}}{{ end }}";

        // Act
        var problems = HelmTemplateScanner.CheckStructure(template);
        var references = HelmTemplateScanner.ValuesReferences(template).Select(r => r.Path).ToList();

        // Assert
        Assert.Empty(problems);
        Assert.Equal(["a", "b", "c.d", "e"], references);
    }

    [Fact]
    public void CsiDriver_Should_MatchKustomizes_And_BeAnObjectTheApiServerAccepts()
    {
        // Arrange: the template without its actions (its name is the value placeholder.csiDriverName).
        var template = File.ReadAllText(System.IO.Path.Combine(ChartDirectory, "templates", "csidriver.yaml"));
        var chart = YamlDocuments.Parse(HelmTemplateScanner.Skeleton(template, "placeholder.cryo.io"), "templates/csidriver.yaml").Single();
        var config = YamlDocuments.ParseSingleFile(RepoRoot.Combine("config/agent/csidriver.yaml"));
        var values = YamlDocuments.ParseSingleFile(System.IO.Path.Combine(ChartDirectory, "values.yaml"));

        // Act
        var problems = Kustomize.ApiObjectChecker.Check(chart);

        // Assert
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(config.At("spec")!.ToJsonString(), chart.At("spec")!.ToJsonString());
        Assert.Equal(("Csi", config.StringAt("metadata.name")), (values.StringAt("placeholder.delivery"), values.StringAt("placeholder.csiDriverName")));
    }

    private static bool Exists(JsonNode values, string path)
    {
        JsonNode? node = values;
        foreach (var part in path.Split('.'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(part, out node))
            {
                return false;
            }
        }

        return true;
    }

    // Paths of the values a user sets: leaves, and free-form maps (labels, resources…) and lists as a whole.
    private static IEnumerable<string> Leaves(JsonNode? node, string path) =>
        node is JsonObject { Count: > 0 } obj && !IsFreeFormMap(path)
            ? obj.SelectMany(p => Leaves(p.Value, path.Length == 0 ? p.Key : $"{path}.{p.Key}"))
            : [path];

    private static bool IsFreeFormMap(string path) =>
        new[] { "nodeSelector", "resources", "Labels", "labels", "Annotations", "annotations" }
            .Any(suffix => path.EndsWith(suffix, StringComparison.Ordinal));
}
