using Cryo.Operator.Leadership;

namespace Cryo.Operator.Tests.Leadership;

public sealed class LeaderElectionTests : IAsyncLifetime
{
    private OperatorHarness cluster = null!;

    public async Task InitializeAsync() => cluster = await OperatorHarness.StartAsync("node-1");

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task TwoReplicas_Should_HaveOnlyTheLeaderReconcile_And_TheOtherTakeOverWhenItStops()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", "node-1");
        var a = await cluster.StartOperatorAsync("replica-a", leaderElection: true);
        var b = await cluster.StartOperatorAsync("replica-b", leaderElection: true);
        var electionA = a.Services.GetRequiredService<LeaseElection>();
        var electionB = b.Services.GetRequiredService<LeaseElection>();
        await Eventually.TrueAsync(() => electionA.IsLeader || electionB.IsLeader, "a leader is elected");
        var (leader, leaderName, standby, standbyName) = electionA.IsLeader ? (a, "replica-a", electionB, "replica-b") : (b, "replica-b", electionA, "replica-a");

        // Act
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "succeeded under the first leader");
        var beforeStop = cluster.Api.Requests.Count;
        await cluster.StopOperatorAsync(leader);
        await Eventually.TrueAsync(() => standby.IsLeader, "the standby takes over");
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "api", "node-1");
        await cluster.CreateCheckpointAsync("api-1", new CheckpointSpec { PodName = "api" });
        await cluster.WaitForCheckpointAsync("api-1", c => c.Status?.Phase == Phase.Succeeded, "succeeded under the new leader");

        // Assert: while the first leader led, only it touched Checkpoints (the standby only read the Lease).
        var firstTerm = cluster.Api.Requests.Take(beforeStop).Where(r => r.Client != "test").ToList();
        Assert.Equal([leaderName], firstTerm.Where(r => r.Path.Contains("/checkpoints")).Select(r => r.Client).Distinct());
        Assert.All(firstTerm.Where(r => r.Client == standbyName), r => Assert.Contains("/leases", r.Path));
        var api = cluster.Api.Requests.Where(r => r.Path.Contains("/checkpoints/api-1")).Select(r => r.Client).Where(c => c != "test").Distinct();
        Assert.Equal([standbyName], api);
        Assert.Equal(2, cluster.Agents["node-1"].Engine.Dumps);
    }
}
