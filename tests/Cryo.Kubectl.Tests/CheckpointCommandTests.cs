using Cryo.Testing;
using static Cryo.Kubectl.Tests.PluginCluster;

namespace Cryo.Kubectl.Tests;

/// <summary><c>kubectl cryo checkpoint</c>: the Checkpoint it creates, and --wait while the operator works.</summary>
public sealed class CheckpointCommandTests : IAsyncLifetime
{
    private PluginCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await PluginCluster.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Checkpoint_Should_CreateACheckpointOfTheContainer_InTheContextsNamespace_NamedAfterThePod()
    {
        // Act
        var run = await cluster.RunAsync("checkpoint", "web", "-c", "app", "--tcp-established", "--parent", "auto");

        // Assert: one Checkpoint, named by the server from the pod's name, with the spec asked for.
        Assert.True(run.Code == 0, run.Error);
        var checkpoint = Assert.Single(await cluster.CheckpointsAsync());
        Assert.StartsWith("web-", checkpoint.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(Ns, checkpoint.Metadata.NamespaceProperty);
        Assert.Equal(("web", "app", true, "auto"), (checkpoint.Spec.PodName, checkpoint.Spec.ContainerName, checkpoint.Spec.TcpEstablished, checkpoint.Spec.ParentCheckpoint));
        Assert.Null(checkpoint.Spec.LeaveRunning);
        Assert.Equal($"checkpoint.cryo.io/{checkpoint.Metadata.Name} created\n", run.Out);
    }

    [Fact]
    public async Task Checkpoint_Should_UseTheNameAndNamespaceGiven_AndStopTheWorkload_When_Asked()
    {
        // Act
        var run = await cluster.RunAsync("checkpoint", "db", "--name", "db-before-upgrade", "--stop", "--namespace", "team-b", "-o", "json");

        // Assert
        var printed = run.Json();
        Assert.Equal("db-before-upgrade", printed.GetProperty("metadata").GetProperty("name").GetString());
        Assert.Equal("team-b", printed.GetProperty("metadata").GetProperty("namespace").GetString());
        Assert.False(printed.GetProperty("spec").GetProperty("leaveRunning").GetBoolean());
    }

    [Fact]
    public async Task Checkpoint_Should_AskForCompressedPageImages_When_GivenCompressionZstd()
    {
        // Act
        var run = await cluster.RunAsync("checkpoint", "web", "--name", "web-z", "--compression", "zstd", "--parent", "auto");

        // Assert: the API server took it (the CRD's enum), with the compression asked for.
        Assert.True(run.Code == 0, run.Error);
        var checkpoint = Assert.Single(await cluster.CheckpointsAsync());
        Assert.Equal(("web-z", CheckpointCompression.Zstd, "auto"), (checkpoint.Metadata.Name, checkpoint.Spec.Compression, checkpoint.Spec.ParentCheckpoint));
    }

    [Fact]
    public async Task Checkpoint_Should_RefuseAnUnknownCompression_NamingTheChoices_AndCreateNothing()
    {
        // Act
        var run = await cluster.RunAsync("checkpoint", "web", "--compression", "gzip");

        // Assert
        Assert.Equal(2, run.Code);
        Assert.Contains("--compression gzip: use none or zstd", run.Error, StringComparison.Ordinal);
        Assert.Empty(await cluster.CheckpointsAsync());
    }

    [Fact]
    public async Task CheckpointWait_Should_ShowProgress_AndPrintTheResult_When_TheOperatorSucceeds()
    {
        // Arrange: the plugin waits; this test plays the operator, slower than the progress line's threshold.
        var running = KubectlCryoRun.StartAsync(cluster.Shell, "checkpoint", "web", "--name", "web-1", "--wait");
        await Eventually.TrueAsync(async () => (await cluster.CheckpointsAsync()).Count == 1, "the plugin creates the Checkpoint");

        // Act
        await cluster.SetCheckpointStatusAsync("web-1", new CheckpointStatus { Phase = Phase.Running, Message = "checkpointing container app of pod web on node-1" });
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await cluster.SetCheckpointStatusAsync("web-1", new CheckpointStatus
        {
            Phase = Phase.Succeeded,
            NodeName = Node,
            SizeBytes = 58L << 20,
            Timings = new CheckpointTimings { FreezeMilliseconds = 120, DumpMilliseconds = 700, TotalMilliseconds = 900 },
        });
        var run = await running;

        // Assert
        Assert.True(run.Code == 0, run.Error);
        Assert.Equal("checkpoint.cryo.io/web-1 succeeded: 58.0 MiB on node node-1, frozen 120 ms, total 900 ms\n", run.Out);
        Assert.Contains("checkpoint apps/web-1: Running: checkpointing container app of pod web on node-1 (", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckpointWait_Should_ExitOneWithTheOperatorsMessage_When_TheCheckpointFails()
    {
        // Arrange
        var running = KubectlCryoRun.StartAsync(cluster.Shell, "checkpoint", "web", "--name", "web-1", "--wait");
        await Eventually.TrueAsync(async () => (await cluster.CheckpointsAsync()).Count == 1, "the plugin creates the Checkpoint");

        // Act
        await cluster.SetCheckpointStatusAsync("web-1", new CheckpointStatus { Phase = Phase.Failed, Message = "pod apps/web does not exist" });
        var run = await running;

        // Assert
        Assert.Equal(1, run.Code);
        Assert.Equal("checkpoint.cryo.io/web-1 failed: pod apps/web does not exist\n", run.Out);
    }

    [Fact]
    public async Task CheckpointWait_Should_GiveUpWithExitFour_AndSayTheCheckpointGoesOn_When_TheTimeoutPasses()
    {
        // Act: nobody finishes it.
        var run = await cluster.RunAsync("checkpoint", "web", "--name", "web-1", "--wait", "--timeout", "2s");

        // Assert
        Assert.Equal(4, run.Code);
        Assert.Contains("error: gave up waiting for checkpoint apps/web-1 after 2 s: it goes on in the cluster", run.Error, StringComparison.Ordinal);
        Assert.Single(await cluster.CheckpointsAsync());
    }
}
