namespace Cryo.Deploy.Tests.Crds;

/// <summary>crds/ is the single source: the chart's and kustomize's copies are identical (hack/sync-crds.sh).</summary>
public sealed class CrdCopyTests
{
    [Theory]
    [InlineData("charts/cryo/crds")]
    [InlineData("config/crd/bases")]
    public void Copies_Should_EqualCrdsFolder(string copies)
    {
        // Arrange
        var sources = Names("crds");
        var copied = Names(copies);

        // Assert: the same files, byte for byte.
        Assert.NotEmpty(sources);
        Assert.Equal(sources, copied);
        foreach (var name in sources)
        {
            Assert.True(
                File.ReadAllBytes(RepoRoot.Combine($"crds/{name}")).AsSpan().SequenceEqual(File.ReadAllBytes(RepoRoot.Combine($"{copies}/{name}"))),
                $"{copies}/{name} differs from crds/{name}: run hack/sync-crds.sh");
        }
    }

    [Fact]
    public void KustomizeCrdBase_Should_ListEveryCrd()
    {
        // Arrange
        var kustomization = YamlDocuments.ParseSingleFile(RepoRoot.Combine("config/crd/kustomization.yaml"));

        // Act
        var listed = kustomization.At("resources")!.AsArray().Select(r => r!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();

        // Assert
        Assert.Equal(Names("crds").Select(n => $"bases/{n}").ToList(), listed);
    }

    private static List<string> Names(string directory) =>
        Directory.GetFiles(RepoRoot.Combine(directory), "*.yaml").Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;
}
