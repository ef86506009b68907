using System.Text.Json;
using Cryo.Testing;
using static Cryo.Kubectl.Tests.PluginCluster;

namespace Cryo.Kubectl.Tests;

/// <summary><c>kubectl cryo restore</c>: Restores into new pods, K copies, and --wait.</summary>
public sealed class RestoreCommandTests : IAsyncLifetime
{
    private PluginCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await PluginCluster.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Restore_Should_CreateOneRestoreIntoANewPodPerCopy_OnTheNodeAsked()
    {
        // Arrange
        await cluster.SucceededCheckpointAsync("warm");

        // Act
        var run = await cluster.RunAsync("restore", "warm", "--copies", "3", "--to-node", "node-2", "--name", "ci", "-o", "json");

        // Assert: a List of three, as kubectl prints several objects.
        var printed = run.Json();
        Assert.Equal("List", printed.GetProperty("kind").GetString());
        Assert.Equal(["ci-1", "ci-2", "ci-3"], printed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()));
        var restores = await cluster.RestoresAsync();
        Assert.Equal(3, restores.Count);
        Assert.All(restores, r => Assert.Equal(("warm", "node-2"), (r.Spec.CheckpointName, r.Spec.NewPod!.NodeName)));
    }

    [Fact]
    public async Task Restore_Should_RefuseBeforeCreatingAnything_When_TheCheckpointHasNotSucceeded()
    {
        // Arrange
        var missing = await cluster.RunAsync("restore", "nope");
        await cluster.SucceededCheckpointAsync("warm");
        await cluster.SetCheckpointStatusAsync("warm", new CheckpointStatus { Phase = Phase.Running });

        // Act
        var running = await cluster.RunAsync("restore", "warm");

        // Assert
        Assert.Equal(1, missing.Code);
        Assert.Contains("error: checkpoint apps/nope does not exist (kubectl cryo ls lists them)", missing.Error, StringComparison.Ordinal);
        Assert.Equal(1, running.Code);
        Assert.Contains("checkpoint apps/warm has not succeeded (phase Running): nothing to restore yet", running.Error, StringComparison.Ordinal);
        Assert.Empty(await cluster.RestoresAsync());
    }

    [Fact]
    public async Task RestoreWait_Should_WaitForEveryCopy_AndPrintWhereEachRuns()
    {
        // Arrange
        await cluster.SucceededCheckpointAsync("warm");
        var running = KubectlCryoRun.StartAsync(cluster.Shell, "restore", "warm", "--copies", "2", "--name", "ci", "--wait");
        await Eventually.TrueAsync(async () => (await cluster.RestoresAsync()).Count == 2, "the plugin creates both Restores");

        // Act: the second finishes first; then the first.
        await cluster.SetRestoreStatusAsync("ci-2", Succeeded("ci-2-pod"));
        await cluster.SetRestoreStatusAsync("ci-1", Succeeded("ci-1-pod"));
        var run = await running;

        // Assert
        Assert.True(run.Code == 0, run.Error);
        Assert.Equal("restore.cryo.io/ci-1 succeeded: pod ci-1-pod on node node-1, restore 300 ms, total 450 ms\n"
            + "restore.cryo.io/ci-2 succeeded: pod ci-2-pod on node node-1, restore 300 ms, total 450 ms\n", run.Out);
    }

    [Fact]
    public async Task RestoreWait_Should_ExitOne_When_ACopyFails_AndPrintBothAsJson()
    {
        // Arrange
        await cluster.SucceededCheckpointAsync("warm");
        var running = KubectlCryoRun.StartAsync(cluster.Shell, "restore", "warm", "--copies", "2", "--name", "ci", "--wait", "-o", "json");
        await Eventually.TrueAsync(async () => (await cluster.RestoresAsync()).Count == 2, "the plugin creates both Restores");

        // Act
        await cluster.SetRestoreStatusAsync("ci-1", Succeeded("ci-1-pod"));
        await cluster.SetRestoreStatusAsync("ci-2", new RestoreStatus { Phase = Phase.Failed, Message = "node-1 has no agent" });
        var run = await running;

        // Assert
        Assert.Equal(1, run.Code);
        using var printed = JsonDocument.Parse(run.Out);
        Assert.Equal(["Succeeded", "Failed"], printed.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("status").GetProperty("phase").GetString()));
    }

    private static RestoreStatus Succeeded(string pod) => new()
    {
        Phase = Phase.Succeeded,
        PodName = pod,
        NodeName = Node,
        Timings = new RestoreTimings { VerifyMilliseconds = 100, RestoreMilliseconds = 300, TotalMilliseconds = 450 },
    };
}
