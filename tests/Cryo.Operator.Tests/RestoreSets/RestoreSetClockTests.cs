using Cryo.Operator.Retention;

namespace Cryo.Operator.Tests.RestoreSets;

/// <summary>
/// RestoreSets through the whole operator on a clock the test moves, beside what else runs on that clock: the set's
/// backoff delay is waited out on it (its queue's delays run on the operator's clock), and the Checkpoint the set
/// restores outlives its ttlSecondsAfterFinished until the set is gone.
/// </summary>
public sealed class RestoreSetClockTests : IAsyncLifetime
{
    private const string Ns = OperatorHarness.Ns;
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualClock clock = new(Start);
    private OperatorHarness cluster = null!;
    private KubeletLoop kubelets = null!;

    private FakeAgentEngine Agent => cluster.Agents["node-1"].Engine;

    public async Task InitializeAsync()
    {
        cluster = await OperatorHarness.StartAsync(clock, "node-1");
        await cluster.Kubelet.RunPodAsync(Ns, "web", "node-1");
        await cluster.StartOperatorAsync();
        kubelets = KubeletLoop.Start(cluster.Client, cluster.Kubelet, Ns, CryoNames.RestoreSetLabel, "node-1");
    }

    public async Task DisposeAsync()
    {
        await kubelets.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task RestoreSet_Should_MakeTheNextCopy_OnlyWhenTheOperatorsClockPassedTheBackoff()
    {
        // Arrange: the first copy's restore fails.
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "succeeded");
        Agent.RestoreFailure = _ => AgentErrors.Of(StatusCode.FailedPrecondition, "CRIU_FAILED", "criu restore failed with exit code 1");
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        var failed = await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { ConsecutiveFailures: 1, Replicas: 0 }, "the copy failed and was removed");
        Agent.RestoreFailure = null;

        // Act: the set's pods settle while the clock stands; then the clock passes the delay (BackoffBase, 0.1 s).
        await Eventually.TrueAsync(async () => (await cluster.SetPodsAsync("ci")).Count == 0, "the failed copy's pod is gone");
        var waiting = await cluster.WaitForRestoreSetAsync("ci", s => s.Status?.Replicas == 0, "still no copy");
        var triedWhileTheClockStood = Agent.RestoreCalls.Count;
        clock.Advance(TimeSpan.FromMilliseconds(100));
        var recovered = await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { ReadyReplicas: 1, ConsecutiveFailures: null }, "a copy Ready");

        // Assert
        Assert.Equal(Start.UtcDateTime, failed.Status!.LastFailureTime);
        Assert.Equal(ConditionReasons.ReplacementBackoff, waiting.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Reason);
        Assert.Equal(1, triedWhileTheClockStood);
        Assert.Equal(2, Agent.RestoreCalls.Count);
        Assert.Equal(Phase.Succeeded, Assert.Single(recovered.Status!.Copies!).Phase);
    }

    [Fact]
    public async Task Checkpoint_Should_OutliveItsTtl_WhileARestoreSetRestoresIt_AndGoWithItsImages_OnceTheSetIsDeleted()
    {
        // Arrange: a Checkpoint to live a minute, and a set with a Ready copy of it.
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web", TtlSecondsAfterFinished = 60 });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "succeeded");
        await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        await cluster.WaitForRestoreSetAsync("ci", s => s.Status?.ReadyReplicas == 1, "a copy Ready");

        // Act: the TTL runs out, and the expiry pass asks the holds (it lists the RestoreSets).
        var listedBefore = RestoreSetLists();
        clock.Advance(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => RestoreSetLists() > listedBefore, "the expired Checkpoint's holds asked");
        var kept = await cluster.GetCheckpointAsync("web-1");
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "ci");
        await Eventually.TrueAsync(async () => (await cluster.CopiesAsync("ci")).Count == 0 && (await cluster.SetPodsAsync("ci")).Count == 0, "the set's copies and pods gone");
        clock.Advance(Expiry.HeldRecheck);

        // Assert
        Assert.Null(kept.Metadata.DeletionTimestamp);
        await Eventually.TrueAsync(async () => (await cluster.ListCheckpointsAsync()).Count == 0, "the Checkpoint is gone");
        Assert.Contains(Agent.DeleteCalls, d => d.Checkpoint.Name == "web-1");
    }

    /// <summary>How many times the operator listed the namespace's RestoreSets (a hold asks; the watch lists all namespaces).</summary>
    private int RestoreSetLists() =>
        cluster.Api.Requests.Count(r => r.Client == "operator-1" && r.Method == "GET" && r.Path.EndsWith($"/namespaces/{Ns}/{RestoreSet.Plural}", StringComparison.Ordinal));
}
