namespace Cryo.Deploy.Tests.Settings;

/// <summary>The chart, config/ and the Dockerfile set the settings the agent and operator actually read.</summary>
public sealed class SettingsTests
{
    private static readonly SettingsCatalog Catalog = SettingsCatalog.Load();

    [Theory]
    [InlineData("charts/cryo/templates")]
    [InlineData("config")]
    public void DeployFiles_Should_SetOnlySettingsTheCodeBinds(string directory)
    {
        // Arrange
        var names = EnvironmentNames.InYaml(directory);

        // Act
        var unbound = names.Where(n => Catalog.Binds(n) == false).ToList();

        // Assert
        Assert.Contains(names, n => n.StartsWith("Agent__", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("Operator__", StringComparison.Ordinal));
        Assert.True(unbound.Count == 0, $"{directory} sets settings no options class binds:\n{string.Join("\n", unbound)}");
    }

    [Fact]
    public void Dockerfile_Should_SetOnlySettingsTheCodeBinds()
    {
        var names = EnvironmentNames.InDockerfile();

        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.True(Catalog.Binds(n) == true, $"Dockerfile sets {n}, which no options class binds"));
    }

    [Fact]
    public void ChartAndKustomize_Should_SetTheSameSettings()
    {
        // The chart is the templated form of config/: both set the same variables. Its helm test pod
        // (templates/tests/) is the chart's alone; hack/e2e.sh is the same check for a kustomize install.
        Assert.Equal(EnvironmentNames.InYaml("config"), EnvironmentNames.InYaml("charts/cryo/templates", except: "tests"));
    }

    [Fact]
    public void Catalog_Should_KnowTheServicesSections()
    {
        Assert.Contains("Agent", Catalog.Sections);
        Assert.Contains("Store", Catalog.Sections);
        Assert.Contains("Operator", Catalog.Sections);
        Assert.True(Catalog.Binds("Agent__MaxParallelOperations"));
        Assert.True(Catalog.Binds("Operator__Tls__CaFile"));
        Assert.False(Catalog.Binds("Agent__NoSuchSetting"));
        Assert.False(Catalog.Binds("Operator__Tls__NoSuchFile"));
        Assert.Null(Catalog.Binds("POD_NAME"));
    }
}
