namespace Cryo.Operator.Tests.Evictions;

/// <summary>Checkpoint before eviction through the whole operator: the watch sees the pod being deleted, the agent dumps it while it still runs.</summary>
public sealed class EvictionTests : IAsyncLifetime
{
    private OperatorHarness cluster = null!;

    private FakeAgentEngine Agent => cluster.Agents["node-1"].Engine;

    public async Task InitializeAsync()
    {
        cluster = await OperatorHarness.StartAsync("node-1");
        await cluster.StartOperatorAsync();
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Eviction_Should_CheckpointAnAnnotatedPodOnce_WhileItTerminates_And_LeaveOtherPodsAlone()
    {
        // Arrange: two pods with a grace period, one asking for a checkpoint on eviction.
        foreach (var name in new[] { "keep", "plain" })
        {
            await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, name, "node-1", spec => spec.TerminationGracePeriodSeconds = 30);
        }

        await cluster.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(
            KubernetesJson.Serialize(new { metadata = new { annotations = new Dictionary<string, string> { [CryoNames.CheckpointOnEvictionAnnotation] = "true" } } }),
            V1Patch.PatchType.MergePatch), "keep", OperatorHarness.Ns);

        // Act: both are deleted (a drain); the kubelet reports status on the terminating pod, then removes both.
        await cluster.Client.CoreV1.DeleteNamespacedPodAsync("keep", OperatorHarness.Ns);
        await cluster.Client.CoreV1.DeleteNamespacedPodAsync("plain", OperatorHarness.Ns);
        var checkpoint = await WaitForOnlyCheckpointAsync();
        var done = await cluster.WaitForCheckpointAsync(checkpoint.Metadata.Name, c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");
        await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "keep");
        await cluster.Kubelet.FinishTerminationAsync(OperatorHarness.Ns, "keep");
        await cluster.Kubelet.FinishTerminationAsync(OperatorHarness.Ns, "plain");

        // Assert: dumped once, leaving the container running, while the pod was still there.
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal("keep", done.Spec.PodName);
        var call = Assert.Single(Agent.CheckpointCalls);
        Assert.True(call.Options.LeaveRunning);
        await cluster.WaitForEventAsync("keep", e => e.Reason == ConditionReasons.CheckpointOnEviction, "the pod's Event");
        Assert.Single(await cluster.ListCheckpointsAsync());
        Assert.Empty((await cluster.Client.CoreV1.ListNamespacedPodAsync(OperatorHarness.Ns)).Items);
    }

    private async Task<Checkpoint> WaitForOnlyCheckpointAsync()
    {
        Checkpoint? found = null;
        await Eventually.TrueAsync(async () => (found = (await cluster.ListCheckpointsAsync()).SingleOrDefault()) is not null, "the eviction Checkpoint");
        return found!;
    }
}
