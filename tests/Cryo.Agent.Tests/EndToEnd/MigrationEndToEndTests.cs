using System.Globalization;
using System.Text.RegularExpressions;
using Cryo.Agent.Tests.Placeholder;
using Cryo.Api;
using Cryo.Testing.Agent.Harness;

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
        var source = await cluster.Kubelet.RunAsync("web", TwoNodeCluster.NodeA, App, Patience);
        await source.WaitForOutputAsync(o => Ticks(o).Count >= 5, Patience, CancellationToken.None);
        var file = source.ReadFileInRoot("tmp/made-at-runtime");

        await cluster.CreateMigrationAsync("move", new MigrationSpec { PodName = "web" });
        var done = await cluster.WaitForMigrationAsync("move", m => m.Status?.Phase is MigrationPhase.Completed or MigrationPhase.Failed, "finished", Patience);

        Assert.True(done.Status!.Phase == MigrationPhase.Completed, done.Status.Message);
        Assert.Equal((TwoNodeCluster.NodeA, TwoNodeCluster.NodeB, "web-node-b"), (done.Status.SourceNode, done.Status.TargetNode, done.Status.TargetPod));
        var lastOnA = Ticks(source.Stdout)[^1];
        var target = await cluster.Kubelet.WorkloadAsync("web-node-b", Patience);
        var copy = Ticks(await target.WaitForOutputAsync(o => Ticks(o).Count >= 3, Patience, CancellationToken.None));
        // Memory: the count goes on from where the dump stopped it, with the token drawn on node A.
        Assert.Equal(lastOnA.Tick + 1, copy[0].Tick);
        Assert.All(copy, t => Assert.Equal(lastOnA.Token, t.Token));
        // Files: the writable layer came along.
        Assert.Equal(file, target.ReadFileInRoot("tmp/made-at-runtime"));
        // Each node has its own store: node B pulled the checkpoint, and the Checkpoint lists its copy there.
        Assert.Equal("move", Assert.Single(cluster.EnginesB.Store.List()).Key.Name);
        Assert.Equal("move", Assert.Single(cluster.EnginesA.Store.List()).Key.Name);
        Assert.Contains(TwoNodeCluster.NodeB, (await cluster.GetCheckpointAsync("move")).Status!.Copies ?? []);
        // The original was deleted only once the copy ran: the copy had printed its count when the deletion came.
        Assert.Null(await cluster.FindPodAsync("web"));
        Assert.NotEmpty(Ticks(cluster.Kubelet.OutputAtDeletion["web"]["web-node-b"]));
        // Phase times and the downtime, each measured.
        var timings = done.Status.Timings!;
        Assert.True(timings.PreflightMilliseconds >= 0 && timings.CheckpointingMilliseconds > 0 && timings.RestoringMilliseconds > 0 && timings.TransferringMilliseconds >= 0,
            $"timings: preflight {timings.PreflightMilliseconds}, checkpointing {timings.CheckpointingMilliseconds}, transferring {timings.TransferringMilliseconds}, restoring {timings.RestoringMilliseconds}");
        Assert.True(done.Status.DowntimeMilliseconds >= timings.CheckpointingMilliseconds + timings.RestoringMilliseconds,
            $"downtime {done.Status.DowntimeMilliseconds} ms is less than the dump ({timings.CheckpointingMilliseconds} ms) and the restore ({timings.RestoringMilliseconds} ms) it spans");
    }

    private static List<(int Tick, string Token)> Ticks(string output) =>
        TickLine().Matches(output).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value)).ToList();

    [GeneratedRegex(@"^tick (\d+) (\d+)\n", RegexOptions.Multiline)]
    private static partial Regex TickLine();
}
