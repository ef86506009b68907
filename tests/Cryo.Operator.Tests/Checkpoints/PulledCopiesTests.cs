namespace Cryo.Operator.Tests.Checkpoints;

/// <summary>
/// Per-node storage end to end: the operator, two agents over gRPC (each with a store of its own) and the API test
/// server. A Restore on the node that did not take the Checkpoint has that node's agent pull it; deleting the
/// Checkpoint then deletes it on both nodes.
/// </summary>
public sealed class PulledCopiesTests : IAsyncLifetime
{
    private OperatorHarness cluster = null!;

    public async Task InitializeAsync()
    {
        (cluster, _) = await OperatorHarness.StartWithCheckpointAsync();
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Deleting_Should_DeleteTheImagesOnEveryNodeHoldingACopy_When_ARestoreHadThemPulled()
    {
        // Arrange: node-2's store lacks web-1; a Restore there has its agent pull it, then restores.
        var target = cluster.Agents["node-2"].Engine;
        target.Missing[(OperatorHarness.Ns, "web-1")] = true;
        await cluster.CreateRestoreAsync("copy-1", new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = "node-2" } });
        await cluster.Kubelet.StartRestorePodAsync(OperatorHarness.Ns, "copy-1", Eventually.DefaultTimeout);
        await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");
        var recorded = await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Copies?.Contains("node-2") == true, "the copy on node-2 is recorded");

        // Act
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Checkpoint.Plural, "web-1");
        await Eventually.TrueAsync(async () => (await cluster.ListCheckpointsAsync()).Count == 0, "the Checkpoint is gone");

        // Assert: pulled once, under the Checkpoint's operation ID for node-2; deleted on its own node and on node-2.
        var pull = Assert.Single(target.PullCalls);
        Assert.Equal(($"pull-{recorded.Metadata.Uid}-node-2", "node-1"), (pull.OperationId, pull.SourceNode));
        Assert.Equal(["node-2"], recorded.Status!.Copies);
        Assert.Contains(target.DeleteCalls, d => d.Checkpoint.Name == "web-1");
        Assert.Contains(cluster.Agents["node-1"].Engine.DeleteCalls, d => d.Checkpoint.Name == "web-1");
        await cluster.WaitForEventAsync("web-1", e => e.Reason == ConditionReasons.ImagesDeleted && e.Message.Contains("on node node-2", StringComparison.Ordinal), "deleted on node-2");
    }
}
