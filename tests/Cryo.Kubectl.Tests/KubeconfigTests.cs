using static Cryo.Kubectl.Tests.PluginCluster;

namespace Cryo.Kubectl.Tests;

/// <summary>The plugin finds the cluster, credentials and namespace as kubectl does, and says what is wrong when it cannot.</summary>
public sealed class KubeconfigTests : IAsyncLifetime
{
    private PluginCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await PluginCluster.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Plugin_Should_MergeTheFilesOfKubeconfig_AndHonourContext_As_KubectlDoes()
    {
        // Arrange: a first file whose current context points nowhere useful; the second holds this cluster.
        var other = Path.Combine(cluster.Directory, "other");
        await File.WriteAllTextAsync(other, Kubeconfig(new Uri("http://127.0.0.1:1"), "elsewhere", "broken", "nowhere", "wrong"));
        var shell = new Dictionary<string, string> { ["KUBECONFIG"] = $"{other}:{Path.Combine(cluster.Directory, "missing")}:{cluster.KubeconfigPath}" };
        await cluster.SucceededCheckpointAsync("web-1");

        // Act
        var current = await KubectlCryoRun.RunAsync(shell, "ls");
        var chosen = await KubectlCryoRun.RunAsync(shell, "ls", "--context", "dev");
        var explicitFile = await KubectlCryoRun.RunAsync(new Dictionary<string, string>(), "ls", "--kubeconfig", cluster.KubeconfigPath, "-o", "json");

        // Assert: the first file's current context wins; --context picks the second file's, with its namespace and token.
        Assert.Equal(3, current.Code);
        Assert.Contains("error: the cluster could not be reached", current.Error, StringComparison.Ordinal);
        Assert.True(chosen.Code == 0, chosen.Error);
        Assert.Contains("web-1", chosen.Out, StringComparison.Ordinal);
        Assert.Equal("web-1", explicitFile.Json().GetProperty("items")[0].GetProperty("metadata").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Plugin_Should_SayWhereItLooked_When_ThereIsNoKubeconfig()
    {
        var run = await KubectlCryoRun.RunAsync(new Dictionary<string, string>(), "ls");

        Assert.Equal(3, run.Code);
        Assert.Equal("error: no kubeconfig found (looked at /nonexistent-home/.kube/config): set KUBECONFIG or pass --kubeconfig\n", run.Error);
    }

    [Fact]
    public async Task Plugin_Should_SendTheContextsToken_AndBeRefused_When_ItIsWrong()
    {
        // Arrange
        var wrong = Path.Combine(cluster.Directory, "wrong");
        await File.WriteAllTextAsync(wrong, Kubeconfig(cluster.Api.BaseAddress, "c", "x", Ns, "not-the-token"));

        // Act
        var run = await KubectlCryoRun.RunAsync(new Dictionary<string, string> { ["KUBECONFIG"] = wrong }, "ls");

        // Assert
        Assert.Equal(1, run.Code);
        Assert.Equal("error: Unauthorized\n", run.Error);
    }

    [Fact]
    public async Task Plugin_Should_PassOnTheApiServersRefusal_When_RbacForbidsCreatingCheckpoints()
    {
        // Arrange
        const string Refusal = "checkpoints.cryo.io is forbidden: User \"dev\" cannot create resource \"checkpoints\" in API group \"cryo.io\" in the namespace \"apps\"";
        cluster.Api.Deny = (method, path) => method == "POST" && path.EndsWith("/checkpoints", StringComparison.Ordinal) ? Refusal : null;

        // Act
        var run = await cluster.RunAsync("checkpoint", "web");

        // Assert
        Assert.Equal(1, run.Code);
        Assert.Equal($"error: {Refusal} (ask your cluster admin for access to Cryo's resources in this namespace)\n", run.Error);
        Assert.Empty(await cluster.CheckpointsAsync());
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "error: unknown command 'frobnicate'")]
    [InlineData(new[] { "ls", "-o", "xml" }, "error: --output is text, json or yaml, not 'xml'")]
    [InlineData(new[] { "checkpoint" }, "error: 'kubectl cryo checkpoint' needs the pod's name")]
    [InlineData(new[] { "restore", "x", "--copies", "0" }, "error: --copies must be a positive whole number, got '0'")]
    [InlineData(new[] { "checkpoint", "web", "--wait", "--timeout", "soon" }, "error: --timeout is a duration such as 90s, 5m or 1h, not 'soon'")]
    public async Task Plugin_Should_ExitTwoWithWhatToFix_When_TheCommandLineIsWrong(string[] args, string message)
    {
        var run = await cluster.RunAsync(args);

        Assert.Equal(2, run.Code);
        Assert.Equal($"{message}\nSee 'kubectl cryo --help' for usage.\n", run.Error);
    }

    [Fact]
    public async Task Help_Should_ListEveryCommand()
    {
        var run = await cluster.RunAsync("--help");

        Assert.Equal(0, run.Code);
        foreach (var verb in new[] { "checkpoint", "restore", "ls", "inspect", "rm", "logs" })
        {
            Assert.Contains($"  kubectl cryo {verb} ", run.Out, StringComparison.Ordinal);
        }
    }
}
