using Cryo.Testing;
using k8s.Models;
using static Cryo.Kubectl.Tests.PluginCluster;

namespace Cryo.Kubectl.Tests;

/// <summary><c>kubectl cryo rm</c> and <c>logs</c>.</summary>
public sealed class RemoveAndLogsTests : IAsyncLifetime
{
    private PluginCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await PluginCluster.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task RmWait_Should_WaitUntilTheFinalizerLetsTheCheckpointGo()
    {
        // Arrange: the operator's finalizer holds it until the agent has deleted the images.
        var checkpoint = await cluster.SucceededCheckpointAsync("web-1");
        checkpoint.Metadata.Finalizers = [CryoNames.CheckpointImagesFinalizer];
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(checkpoint, CryoNames.Group, CryoNames.Version, Ns, "checkpoints", "web-1");
        var running = KubectlCryoRun.StartAsync(cluster.Shell, "rm", "web-1", "--wait");
        await Eventually.TrueAsync(async () => (await cluster.GetAsync<Checkpoint>("checkpoints", "web-1")).Metadata.DeletionTimestamp is not null,
            "the plugin deletes the Checkpoint");
        Assert.False(running.IsCompleted);

        // Act: the finalizer goes.
        var deleting = await cluster.GetAsync<Checkpoint>("checkpoints", "web-1");
        deleting.Metadata.Finalizers = [];
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(deleting, CryoNames.Group, CryoNames.Version, Ns, "checkpoints", "web-1");
        var run = await running;

        // Assert
        Assert.True(run.Code == 0, run.Error);
        Assert.Equal("checkpoint.cryo.io/web-1 deleted\n", run.Out);
        Assert.Empty(await cluster.CheckpointsAsync());
    }

    [Fact]
    public async Task Rm_Should_DeleteTheOthers_AndExitOne_When_OneDoesNotExist()
    {
        // Arrange
        await cluster.SucceededCheckpointAsync("web-1");

        // Act
        var run = await cluster.RunAsync("rm", "nope", "web-1");
        var ignored = await cluster.RunAsync("rm", "nope", "--ignore-not-found");

        // Assert
        Assert.Equal(1, run.Code);
        Assert.Equal("error: checkpoint apps/nope does not exist\n", run.Error);
        Assert.Equal("checkpoint.cryo.io/web-1 deleted\n", run.Out);
        Assert.Empty(await cluster.CheckpointsAsync());
        Assert.Equal(0, ignored.Code);
    }

    [Fact]
    public async Task Logs_Should_PrintTheRestoredContainersLog_FromTheRestoresPod()
    {
        // Arrange: the restored pod has a sidecar; the annotation names the restored container.
        await cluster.Kubelet.RunPodAsync(Ns, "copy-1-pod", Node, spec => { }, "app", "sidecar");
        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync("copy-1-pod", Ns);
        pod.Metadata.Annotations = new Dictionary<string, string> { [CryoNames.PlaceholderContainerAnnotation] = "app" };
        await cluster.Client.CoreV1.ReplaceNamespacedPodAsync(pod, "copy-1-pod", Ns);
        await cluster.SucceededCheckpointAsync("warm");
        await cluster.RestoreIntoNewPodAsync("copy-1", "warm");
        await cluster.SetRestoreStatusAsync("copy-1", new RestoreStatus { Phase = Phase.Succeeded, PodName = "copy-1-pod" });
        cluster.Api.PodLogs[$"{Ns}/copy-1-pod/app"] = "warm start\nrequest 1\nrequest 2\n";
        cluster.Api.PodLogs[$"{Ns}/copy-1-pod/sidecar"] = "not this one\n";

        // Act
        var all = await cluster.RunAsync("logs", "copy-1");
        var tail = await cluster.RunAsync("logs", "copy-1", "--tail", "1", "-f");

        // Assert
        Assert.True(all.Code == 0, all.Error);
        Assert.Equal("warm start\nrequest 1\nrequest 2\n", all.Out);
        Assert.Equal("request 2\n", tail.Out);
    }

    [Fact]
    public async Task Logs_Should_SayTheRestoreHasNoPodYet_When_ItIsPending()
    {
        // Arrange
        await cluster.SucceededCheckpointAsync("warm");
        await cluster.RestoreIntoNewPodAsync("copy-1", "warm");

        // Act
        var run = await cluster.RunAsync("logs", "copy-1");

        // Assert
        Assert.Equal(1, run.Code);
        Assert.Equal("error: restore apps/copy-1 has no pod yet (Pending)\n", run.Error);
    }
}
