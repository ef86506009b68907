using System.Globalization;
using System.Text.RegularExpressions;
using Cryo.Agent.Tests.Placeholder;
using Cryo.Api;
using Cryo.Testing.Agent.Harness;
using k8s;

namespace Cryo.Agent.Tests.EndToEnd;

/// <summary>
/// A Migration end to end: the real operator, against the API test server with two nodes, drives the real agents of
/// both (separate stores, mutual TLS, real CRIU) to move a running process tree from node A to node B. Runs with the
/// other placeholder tests, one at a time: each moves real trees through CRIU and both agents.
/// </summary>
[Collection(PlaceholderCollection.Name)]
public sealed partial class MigrationEndToEndTests(PlaceholderBuild build)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Counts in a shell variable and prints a token it drew at start with each count: both live only in the process's
    // memory. It writes the token into its container's filesystem once (the writable layer), and never reads it back.
    private static readonly ContainerSpec App = new()
    {
        Script = "token=$RANDOM$RANDOM$RANDOM\necho $token > /tmp/made-at-runtime\ni=0\nwhile :; do i=$((i+1)); echo \"tick $i $token\"; sleep 0.1; done\n",
    };

    [Fact]
    public async Task Migration_Should_MoveTheRunningTreeWithItsMemoryAndFiles_When_EachNodeHasItsOwnStore()
    {
        await using var cluster = await TwoNodeCluster.StartAsync(build.PlaceholderPath);
        var (source, file, done) = await MigrateAsync(cluster, new MigrationSpec { PodName = "web" });

        Assert.True(done.Status!.Phase == MigrationPhase.Completed, done.Status.Message);
        Assert.Equal((TwoNodeCluster.NodeA, TwoNodeCluster.NodeB, "web-node-b"), (done.Status.SourceNode, done.Status.TargetNode, done.Status.TargetPod));
        var target = await cluster.Kubelet.WorkloadAsync("web-node-b", Patience);
        await AssertGoesOnAsync(source, file, target);
        // Each node has its own store: node B pulled the checkpoint, and the Checkpoint lists its copy there.
        Assert.Equal("move", Assert.Single(cluster.EnginesB.Store.List()).Key.Name);
        Assert.Equal("move", Assert.Single(cluster.EnginesA.Store.List()).Key.Name);
        Assert.Contains(TwoNodeCluster.NodeB, (await cluster.GetCheckpointAsync("move")).Status!.Copies ?? []);
        // The original was deleted only once the copy ran: its placeholder had adopted the restored tree when the deletion came.
        await cluster.WaitForPodGoneAsync("web", Patience);
        AssertRanAtDeletion(cluster, "web-node-b");
        // Phase times and the downtime, each measured.
        var timings = done.Status.Timings!;
        Assert.True(timings.PreflightMilliseconds >= 0 && timings.CheckpointingMilliseconds > 0 && timings.RestoringMilliseconds > 0 && timings.TransferringMilliseconds >= 0,
            $"timings: preflight {timings.PreflightMilliseconds}, checkpointing {timings.CheckpointingMilliseconds}, transferring {timings.TransferringMilliseconds}, restoring {timings.RestoringMilliseconds}");
        Assert.True(done.Status.DowntimeMilliseconds >= timings.CheckpointingMilliseconds + timings.RestoringMilliseconds,
            $"downtime {done.Status.DowntimeMilliseconds} ms is less than the dump ({timings.CheckpointingMilliseconds} ms) and the restore ({timings.RestoringMilliseconds} ms) it spans");
    }

    [Fact]
    public async Task Migration_Should_MoveTheRunningTreeWithoutAPull_When_BothNodesMountOneStore()
    {
        await using var cluster = await TwoNodeCluster.StartAsync(build.PlaceholderPath, sharedStore: true);
        var (source, file, done) = await MigrateAsync(cluster, new MigrationSpec { PodName = "web" });

        Assert.True(done.Status!.Phase == MigrationPhase.Completed, done.Status.Message);
        Assert.Equal((TwoNodeCluster.NodeA, TwoNodeCluster.NodeB, "web-node-b"), (done.Status.SourceNode, done.Status.TargetNode, done.Status.TargetPod));
        var target = await cluster.Kubelet.WorkloadAsync("web-node-b", Patience);
        await AssertGoesOnAsync(source, file, target);
        // Node B's agent restored from the store it shares with node A's: nothing was pulled, so the Restore never
        // showed a transfer, the Checkpoint lists no copy to delete elsewhere, and the one store holds the one checkpoint.
        var restore = await cluster.GetRestoreAsync("move");
        Assert.DoesNotContain(restore.Status!.Conditions ?? [], c => c.Type == ConditionTypes.Transferring);
        Assert.Empty((await cluster.GetCheckpointAsync("move")).Status!.Copies ?? []);
        Assert.Equal("move", Assert.Single(cluster.EnginesB.Store.List()).Key.Name);
        await cluster.WaitForPodGoneAsync("web", Patience);
        AssertRanAtDeletion(cluster, "web-node-b");
        Assert.True(done.Status.DowntimeMilliseconds >= done.Status.Timings!.CheckpointingMilliseconds + done.Status.Timings.RestoringMilliseconds,
            $"downtime {done.Status.DowntimeMilliseconds} ms is less than the dump ({done.Status.Timings.CheckpointingMilliseconds} ms) and the restore ({done.Status.Timings.RestoringMilliseconds} ms) it spans");
    }

    [Fact]
    public async Task Migration_Should_RestoreInPlaceAndKeepTheCheckpoint_When_TheRestoreOnTheTargetFails()
    {
        // Node B's CRIU restores, but the engine is told no PID: its restore fails after CRIU ran, the hardest case to undo.
        await using var cluster = await TwoNodeCluster.StartAsync(build.PlaceholderPath, criu => new PidfileLosingCriu(criu));
        var (source, file, done) = await MigrateAsync(cluster, new MigrationSpec { PodName = "web" });

        // Failed, saying where the copy runs: restored in place on node A from the same checkpoint.
        Assert.True(done.Status!.Phase == MigrationPhase.Failed, done.Status.Message);
        var ready = Assert.Single(done.Status.Conditions!, c => c.Type == ConditionTypes.Ready);
        Assert.Equal((ConditionStatus.False, ConditionReasons.RestoredInPlace), (ready.Status, ready.Reason));
        Assert.Contains("runs again on node node-a as pod web-move-in-place", done.Status.Message, StringComparison.Ordinal);
        var failedOnB = await cluster.GetRestoreAsync("move");
        Assert.Equal(Phase.Failed, failedOnB.Status!.Phase);
        Assert.Contains("node-b", failedOnB.Status.Message, StringComparison.Ordinal);
        var copy = await cluster.Kubelet.WorkloadAsync("web-move-in-place", Patience);
        await AssertGoesOnAsync(source, file, copy);
        // Never zero copies: the original went only once the copy in place had printed.
        await cluster.WaitForPodGoneAsync("web", Patience);
        AssertRanAtDeletion(cluster, "web-move-in-place");
        // The checkpoint is kept, on node A where it was taken.
        Assert.Equal(Phase.Succeeded, (await cluster.GetCheckpointAsync("move")).Status!.Phase);
        Assert.Equal("move", Assert.Single(cluster.EnginesA.Store.List()).Key.Name);
    }

    [Fact]
    public async Task Migration_Should_MoveTheTreeWithAnIncrementOfTheLiveCheckpoint_When_TheModeIsPrecopy()
    {
        await using var cluster = await TwoNodeCluster.StartAsync(build.PlaceholderPath);
        var (source, file, done) = await MigrateAsync(cluster, new MigrationSpec { PodName = "web", Mode = MigrationMode.Precopy });

        Assert.True(done.Status!.Phase == MigrationPhase.Completed, done.Status.Message);
        var target = await cluster.Kubelet.WorkloadAsync("web-node-b", Patience);
        await AssertGoesOnAsync(source, file, target);
        // Node B pulled the live checkpoint while the tree ran, then the final one, an increment of it.
        Assert.Equal(["move", "move-live"], cluster.EnginesB.Store.List().Select(c => c.Key.Name).Order(StringComparer.Ordinal));
        Assert.Equal("move-live", (await cluster.GetCheckpointAsync("move")).Spec.ParentCheckpoint);
        Assert.Equal([TwoNodeCluster.NodeB], (await cluster.GetCheckpointAsync("move-live")).Status!.Copies);
        Assert.NotNull(done.Status.Timings!.PrecopyMilliseconds);
        Assert.True(done.Status.DowntimeMilliseconds > 0, $"downtime {done.Status.DowntimeMilliseconds}");
        // The copy's pod was made before the checkpoint (its start overlapping the dumps and the pulls), and its Restore
        // took it over rather than making one.
        var events = (await cluster.Client.CoreV1.ListNamespacedEventAsync(TwoNodeCluster.Ns)).Items;
        Assert.Contains(events, e => e.InvolvedObject.Name == "move" && e.Reason == ConditionReasons.TargetPodPrepared);
        Assert.Contains(events, e => e.InvolvedObject.Kind == Restore.KindName && e.Reason == ConditionReasons.PodCreated && e.Message.StartsWith("took over pod web-node-b", StringComparison.Ordinal));
        var copyPod = await cluster.GetPodAsync("web-node-b");
        Assert.Equal(("Restore", "move"), (copyPod.Metadata.OwnerReferences.Single(o => o.Controller == true).Kind, copyPod.Metadata.OwnerReferences.Single(o => o.Controller == true).Name));
        await cluster.WaitForPodGoneAsync("web", Patience);
        AssertRanAtDeletion(cluster, "web-node-b");
    }

    [Fact]
    public async Task Migration_Should_RecordNoCopyOfEitherCheckpoint_When_ThePrecopyIsOverOneStoreBothNodesMount()
    {
        await using var cluster = await TwoNodeCluster.StartAsync(build.PlaceholderPath, sharedStore: true);
        var (source, file, done) = await MigrateAsync(cluster, new MigrationSpec { PodName = "web", Mode = MigrationMode.Precopy });

        Assert.True(done.Status!.Phase == MigrationPhase.Completed, done.Status.Message);
        var target = await cluster.Kubelet.WorkloadAsync("web-node-b", Patience);
        await AssertGoesOnAsync(source, file, target);
        // Node B's agent found the live checkpoint where node A's committed it: the one store holds each checkpoint once,
        // and neither Checkpoint names a copy on node B, which deleting it would delete (the original) and wait for.
        Assert.Equal(["move", "move-live"], cluster.EnginesB.Store.List().Select(c => c.Key.Name).Order(StringComparer.Ordinal));
        Assert.Empty((await cluster.GetCheckpointAsync("move-live")).Status!.Copies ?? []);
        Assert.Empty((await cluster.GetCheckpointAsync("move")).Status!.Copies ?? []);
        await cluster.WaitForPodGoneAsync("web", Patience);
        AssertRanAtDeletion(cluster, "web-node-b");
    }

    /// <summary>The restored tree ran in <paramref name="copy"/>'s placeholder when the original pod's deletion reached its kubelet.</summary>
    private static void AssertRanAtDeletion(TwoNodeCluster cluster, string copy)
    {
        var said = cluster.Kubelet.ErrorOutputAtDeletion["web"][copy];
        Assert.Contains("adopted restored process", said, StringComparison.Ordinal);
        Assert.DoesNotContain("exited with status", said, StringComparison.Ordinal);
        Assert.DoesNotContain("was killed by signal", said, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs pod web on node A (its count past 5), reads the file it wrote, and migrates it by <paramref name="spec"/>: the
    /// original's workload, that file, and the Migration once it finished either way.
    /// </summary>
    private static async Task<(ContainerWorkload Source, string File, Migration Done)> MigrateAsync(TwoNodeCluster cluster, MigrationSpec spec)
    {
        var source = await cluster.Kubelet.RunAsync("web", TwoNodeCluster.NodeA, App, Patience);
        await source.WaitForOutputAsync(o => Ticks(o).Count >= 5, Patience, CancellationToken.None);
        var file = source.ReadFileInRoot("tmp/made-at-runtime");
        await cluster.CreateMigrationAsync("move", spec);
        return (source, file, await cluster.WaitForMigrationAsync("move", m => m.Status?.Phase is MigrationPhase.Completed or MigrationPhase.Failed, "finished", Patience));
    }

    /// <summary>
    /// The copy goes on where the original stopped: its count from the original's last, with the token the original drew
    /// (both only ever in memory), and the file the original wrote into its container.
    /// </summary>
    private static async Task AssertGoesOnAsync(ContainerWorkload original, string file, ContainerWorkload copy)
    {
        var last = Ticks(original.Stdout)[^1];
        var ticks = Ticks(await copy.WaitForOutputAsync(o => Ticks(o).Count >= 3, Patience, CancellationToken.None));
        Assert.Equal(last.Tick + 1, ticks[0].Tick);
        Assert.All(ticks, t => Assert.Equal(last.Token, t.Token));
        Assert.Equal(file, copy.ReadFileInRoot("tmp/made-at-runtime"));
    }

    private static List<(int Tick, string Token)> Ticks(string output) =>
        TickLine().Matches(output).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value)).ToList();

    [GeneratedRegex(@"^tick (\d+) (\d+)\n", RegexOptions.Multiline)]
    private static partial Regex TickLine();
}
