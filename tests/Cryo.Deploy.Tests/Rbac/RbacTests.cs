namespace Cryo.Deploy.Tests.Rbac;

/// <summary>The chart grants the operator exactly what config/rbac (written beside the operator's code) grants.</summary>
public sealed class RbacTests
{
    [Fact]
    public void ChartRbac_Should_GrantExactlyTheRulesOfConfigRbac()
    {
        // Arrange
        var config = Directory.GetFiles(RepoRoot.Combine("config/rbac"), "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => YamlDocuments.Parse(File.ReadAllText(f), f));
        var chart = RbacRules.FromTemplate(File.ReadAllText(RepoRoot.Combine("charts/cryo/templates/operator-rbac.yaml")));

        // Act
        var expected = RbacRules.Flatten(config);
        var actual = RbacRules.Flatten(chart);

        // Assert
        Assert.NotEmpty(expected);
        Assert.True(expected.SetEquals(actual),
            $"only in config/rbac:\n{string.Join("\n", expected.Except(actual))}\nonly in the chart:\n{string.Join("\n", actual.Except(expected))}");
    }

    [Fact]
    public void Flatten_Should_TellRulesApart_When_OneVerbDiffers()
    {
        // Arrange
        var a = YamlDocuments.Parse("kind: ClusterRole\nrules: [{apiGroups: [\"\"], resources: [pods], verbs: [get, list]}]", "a");
        var b = YamlDocuments.Parse("kind: ClusterRole\nrules: [{apiGroups: [\"\"], resources: [pods], verbs: [get]}]", "b");

        // Act & Assert
        Assert.False(RbacRules.Flatten(a).SetEquals(RbacRules.Flatten(b)));
        Assert.Contains("ClusterRole: core/pods list", RbacRules.Flatten(a));
    }
}
