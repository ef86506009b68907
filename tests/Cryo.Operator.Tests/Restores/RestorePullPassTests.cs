using Cryo.Contracts.Agent.V1;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Restores;

/// <summary>
/// Single passes of a Restore on a node whose agent does not hold the Checkpoint (taken on <see cref="SinglePassHarness.Node"/>):
/// the target's agent pulls it from the Checkpoint's node, the status shows the pull, then the Restore restores.
/// </summary>
public sealed class RestorePullPassTests : IAsyncLifetime
{
    private const string Target = "node-2";
    private const int MiB = 1024 * 1024;
    private static readonly RestoreSpec CopyOnTarget = new() { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Target } };

    private SinglePassHarness cluster = null!;

    public async Task InitializeAsync()
    {
        cluster = await SinglePassHarness.StartAsync();
        cluster.Locator.Nodes.Add(Target);
        cluster.Agent.Missing.Add((Target, $"{Ns}/web-1"));
        var web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await cluster.SucceededCheckpointAsync("web-1", web);
        await cluster.RestoreAsync("copy-1", CopyOnTarget);
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await cluster.Kubelet.StartAsync(await cluster.GetPodAsync("copy-1"));
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Pass_Should_PullTheCheckpointFromItsNode_ShowTheProgress_AndThenRestore_When_TheTargetNodesAgentLacksIt()
    {
        // Arrange: the pull reports 3 of 8 MiB, then waits for the test.
        var outcome = cluster.Agent.HoldPulls();
        cluster.Agent.PullProgress.Add(new TransferProgress { Checkpoint = new CheckpointRef { Namespace = Ns, Name = "web-1" }, BytesVerified = 3 * MiB, BytesTotal = 8 * MiB });

        // Act: the restore finds nothing and starts the pull; a pass while it runs; the pull ends; two passes more.
        var started = await cluster.PassAsync(cluster.Restores, "copy-1");
        await Eventually.TrueAsync(() => cluster.Agent.PullCalls.Count == 1, "the pull reaches the agent");
        var following = await cluster.PassAsync(cluster.Restores, "copy-1");
        var pulling = await cluster.GetRestoreAsync("copy-1");
        var restoresWhilePulling = cluster.Agent.RestoreCalls.Count;
        outcome.SetResult(new PullCheckpointResult { Checkpoint = new CheckpointRef { Namespace = Ns, Name = "web-1" }, BytesReceived = 8 * MiB });
        await PullEndedAsync();
        var pulled = await cluster.PassAsync(cluster.Restores, "copy-1");
        var afterPull = await cluster.GetRestoreAsync("copy-1");
        var restoring = await cluster.PassAsync(cluster.Restores, "copy-1");
        var done = await cluster.GetRestoreAsync("copy-1");
        var events = await cluster.EventsAsync("copy-1");

        // Assert: the target node's agent was asked to pull from the Checkpoint's node's agent, once.
        Assert.Equal(ReconcileResult.After(cluster.Settings.TransferRecheckInterval), started.Result);
        Assert.Equal(ReconcileResult.After(cluster.Settings.TransferRecheckInterval), following.Result);
        var (agent, request) = Assert.Single(cluster.Agent.PullCalls);
        Assert.Equal(Target, agent.NodeName);
        Assert.Equal((Ns, "web-1", Node, $"http://agent.{Node}.invalid:9000"),
            (request.Checkpoint.Namespace, request.Checkpoint.Name, request.SourceNode, request.SourceAddress));

        // Assert: while it runs, the status shows how far it is, and a pass restores nothing.
        Assert.Equal(1, restoresWhilePulling);
        Assert.DoesNotContain(following.Writes, w => w.StartsWith("PATCH pods", StringComparison.Ordinal));
        ConditionAssert.Has(pulling.Status!.Conditions, ConditionTypes.Transferring, ConditionStatus.True, ConditionReasons.Pulling);
        var transferring = pulling.Status.Conditions!.Single(c => c.Type == ConditionTypes.Transferring);
        Assert.Equal($"pulling Checkpoint web-1 from node {Node} to node {Target}: 3.0 MiB of 8.0 MiB verified", transferring.Message);
        Assert.Equal((Phase.Running, transferring.Message), (pulling.Status.Phase, pulling.Status.Message));
        ConditionAssert.Has(pulling.Status.Conditions, ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.Pulling);

        // Assert: once pulled, the Restore says so and goes on at once; the pass after restores.
        Assert.Equal(ReconcileResult.Continue, pulled.Result);
        ConditionAssert.Has(afterPull.Status!.Conditions, ConditionTypes.Transferring, ConditionStatus.False, ConditionReasons.Pulled);
        Assert.Equal(ReconcileResult.Done, restoring.Result);
        Assert.Equal(2, cluster.Agent.RestoreCalls.Count); // the one answered NOT_FOUND, and the one after the pull
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        ConditionAssert.Has(done.Status.Conditions, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.RestoreSucceeded);
        ConditionAssert.Has(done.Status.Conditions, ConditionTypes.Transferring, ConditionStatus.False, ConditionReasons.Pulled);
        var kept = done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Transferring);
        Assert.Equal($"pulled Checkpoint web-1 from node {Node} to node {Target}: 8.0 MiB received", kept.Message);
        Assert.Equal(1, events.Count(e => e.Reason == ConditionReasons.Pulling));
        Assert.Equal(1, events.Count(e => e.Reason == ConditionReasons.Pulled));
    }

    [Fact]
    public async Task Pass_Should_FailTheRestoreWithTransferFailed_AndLeaveTheCheckpoint_When_ThePullFailsForGood()
    {
        // Arrange: the source agent's copy fails its checksums.
        var outcome = cluster.Agent.HoldPulls();
        var before = await cluster.GetCheckpointAsync("web-1");

        // Act
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await Eventually.TrueAsync(() => cluster.Agent.PullCalls.Count == 1, "the pull reaches the agent");
        outcome.SetException(new AgentOperationFailedException(cluster.Agent.PullCalls[0].Agent, "PullCheckpoint", StatusCode.FailedPrecondition,
            ErrorReason.CheckpointCorrupted, "chunk 2 of pages-1.img (bytes 33554432-50331647) failed its SHA-256 twice", null));
        await PullEndedAsync();
        var failed = await cluster.PassAsync(cluster.Restores, "copy-1");
        var restore = await cluster.GetRestoreAsync("copy-1");
        var again = await cluster.PassAsync(cluster.Restores, "copy-1");
        var after = await cluster.GetCheckpointAsync("web-1");

        // Assert: Failed with a reason naming the pull, the agent's answer in the message; nothing deleted anywhere.
        Assert.Equal(ReconcileResult.Done, failed.Result);
        Assert.Equal(Phase.Failed, restore.Status!.Phase);
        ConditionAssert.Has(restore.Status.Conditions, ConditionTypes.Transferring, ConditionStatus.False, ConditionReasons.TransferFailed);
        var condition = restore.Status.Conditions!.Single(c => c.Type == ConditionTypes.Transferring);
        Assert.Contains($"pulling Checkpoint web-1 from node {Node} to node {Target} failed; the Checkpoint on node {Node} is untouched", condition.Message, StringComparison.Ordinal);
        Assert.Contains("CHECKPOINT_CORRUPTED", condition.Message, StringComparison.Ordinal);
        ConditionAssert.Has(restore.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.TransferFailed);
        Assert.Empty(cluster.Agent.DeleteCalls);
        Assert.Equal(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Single(cluster.Agent.RestoreCalls);
        Assert.Equal(ReconcileResult.Done, again.Result);
        Assert.Empty(again.Writes);
    }

    [Fact]
    public async Task Pass_Should_RetryWithBackoff_AndPullAgain_When_ThePullWasInterrupted()
    {
        // Arrange: the target's agent stops midway.
        var outcome = cluster.Agent.HoldPulls();

        // Act
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await Eventually.TrueAsync(() => cluster.Agent.PullCalls.Count == 1, "the pull reaches the agent");
        outcome.SetException(new AgentUnavailableException(cluster.Agent.PullCalls[0].Agent, "PullCheckpoint", new RpcException(new Status(StatusCode.Unavailable, "agent stopping"))));
        await PullEndedAsync();
        var interrupted = await cluster.PassAsync(cluster.Restores, "copy-1");
        var restore = await cluster.GetRestoreAsync("copy-1");
        cluster.Agent.HoldPulls();
        var retried = await cluster.PassAsync(cluster.Restores, "copy-1");

        // Assert: not Failed; the next pass finds the checkpoint still missing and pulls again (the agent resumes it).
        Assert.Equal(ReconcileResult.Retry, interrupted.Result);
        Assert.Equal(Phase.Running, restore.Status!.Phase);
        ConditionAssert.Has(restore.Status.Conditions, ConditionTypes.Transferring, ConditionStatus.False, ConditionReasons.TransferInterrupted);
        Assert.Equal(ReconcileResult.After(cluster.Settings.TransferRecheckInterval), retried.Result);
        await Eventually.TrueAsync(() => cluster.Agent.PullCalls.Count == 2, "the second pull reaches the agent");
        Assert.Equal(2, cluster.Agent.RestoreCalls.Count);
    }

    [Fact]
    public async Task Pass_Should_FailWithoutPulling_When_TheCheckpointsOwnNodeLacksIt()
    {
        // Arrange: the Checkpoint's images are gone from the node that took it.
        await cluster.RestoreAsync("copy-2", new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Node } });
        await cluster.PassAsync(cluster.Restores, "copy-2");
        await cluster.Kubelet.StartAsync(await cluster.GetPodAsync("copy-2"));
        cluster.Agent.Missing.Add((Node, $"{Ns}/web-1"));

        // Act
        var pass = await cluster.PassAsync(cluster.Restores, "copy-2");
        var restore = await cluster.GetRestoreAsync("copy-2");

        // Assert
        Assert.Equal(ReconcileResult.Done, pass.Result);
        Assert.Equal(Phase.Failed, restore.Status!.Phase);
        ConditionAssert.Has(restore.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.RestoreFailed);
        Assert.Empty(cluster.Agent.PullCalls);
    }

    [Fact]
    public async Task Pass_Should_PullTheCheckpointAgainBeforeRestoringIntoTheRestartedContainer_When_TheTargetNodesAgentNoLongerHoldsIt()
    {
        // Arrange: the first restore pulls and restores; then the target node's agent loses its copy (a per-node store
        // emptied) and the kubelet restarts the restored container as a bare placeholder.
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await PullEndedAsync();
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await cluster.PassAsync(cluster.Restores, "copy-1");
        Assert.Equal(1, (await cluster.GetRestoreAsync("copy-1")).Status!.RestoreCount);
        cluster.Agent.Missing.Add((Target, $"{Ns}/web-1"));
        var restarted = await cluster.Kubelet.RestartContainerAsync(Ns, "copy-1", "app", 3, "Error");

        // Act: the restore into the new run finds nothing and pulls; the pull ends; the pass after it restores.
        var started = await cluster.PassAsync(cluster.Restores, "copy-1");
        var pulling = await cluster.GetRestoreAsync("copy-1");
        await PullEndedAsync();
        var pulled = await cluster.PassAsync(cluster.Restores, "copy-1");
        var restoring = await cluster.PassAsync(cluster.Restores, "copy-1");
        var done = await cluster.GetRestoreAsync("copy-1");

        // Assert: pulled from the Checkpoint's node to the pod's, then restored into the new run, not failed.
        Assert.Equal(ReconcileResult.After(cluster.Settings.TransferRecheckInterval), started.Result);
        ConditionAssert.Has(pulling.Status!.Conditions, ConditionTypes.Transferring, ConditionStatus.True, ConditionReasons.Pulling);
        Assert.NotEqual(Phase.Failed, pulling.Status.Phase);
        Assert.Equal(2, cluster.Agent.PullCalls.Count);
        var (agent, request) = cluster.Agent.PullCalls[1];
        Assert.Equal((Target, Node), (agent.NodeName, request.SourceNode));
        Assert.Equal(ReconcileResult.Continue, pulled.Result);
        Assert.Equal(ReconcileResult.Done, restoring.Result);
        // The first restore's NOT_FOUND and its retry, then the new run's NOT_FOUND and its retry after the pull.
        Assert.Equal(4, cluster.Agent.RestoreCalls.Count);
        Assert.Equal(restarted.Status.ContainerStatuses[0].ContainerID["containerd://".Length..], cluster.Agent.RestoreCalls[^1].Container.ContainerId);
        Assert.Equal((Phase.Succeeded, 2), (done.Status!.Phase, done.Status.RestoreCount));
        ConditionAssert.Has(done.Status.Conditions, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.Rerestored);
    }

    [Fact]
    public async Task Pass_Should_AskTheAgentWithTheSameOperationId_When_APullIsRetried_Or_TheOperatorForgotIt()
    {
        // Arrange: the first pull stops midway; the second is forgotten by the operator (its leadership lost, as a
        // restarted operator starts with none) while the agent still runs it.
        var outcome = cluster.Agent.HoldPulls();
        var checkpoint = await cluster.GetCheckpointAsync("web-1");

        // Act
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await Eventually.TrueAsync(() => cluster.Agent.PullCalls.Count == 1, "the first pull reaches the agent");
        outcome.SetException(new AgentUnavailableException(cluster.Agent.PullCalls[0].Agent, "PullCheckpoint", new RpcException(new Status(StatusCode.Unavailable, "agent stopping"))));
        await PullEndedAsync();
        await cluster.PassAsync(cluster.Restores, "copy-1");
        cluster.Agent.HoldPulls();
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await Eventually.TrueAsync(() => cluster.Agent.PullCalls.Count == 2, "the retried pull reaches the agent");
        cluster.Pulls.StopAll();
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await Eventually.TrueAsync(() => cluster.Agent.PullCalls.Count == 3, "the forgotten pull is asked for again");
        cluster.Agent.PullOutcome.SetResult(new PullCheckpointResult { BytesReceived = MiB });

        // Assert: one ID, made of the Checkpoint's UID and the target node, for every call of this copy.
        var ids = cluster.Agent.PullCalls.Select(c => c.Request.OperationId).ToList();
        Assert.Equal([$"pull-{checkpoint.Metadata.Uid}-{Target}"], ids.Distinct());
        Assert.Equal(3, ids.Count);
    }

    [Fact]
    public async Task Pass_Should_AskAnotherOperationId_When_TheCheckpointWasMadeAgainUnderItsName()
    {
        // Arrange: web-1 is pulled to the target for copy-1; then it is deleted, taken again under its name, and
        // copy-2 restores the new one on the same node, whose agent lacks it.
        await cluster.PassAsync(cluster.Restores, "copy-1");
        await PullEndedAsync();
        var first = await cluster.GetCheckpointAsync("web-1");
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, "web-1");
        var web = await cluster.Kubelet.RunPodAsync(Ns, "web-again", Node);
        var second = await cluster.SucceededCheckpointAsync("web-1", web);
        cluster.Agent.Missing.Add((Target, $"{Ns}/web-1"));
        await cluster.RestoreAsync("copy-2", CopyOnTarget);
        await cluster.PassAsync(cluster.Restores, "copy-2");
        await cluster.Kubelet.StartAsync(await cluster.GetPodAsync("copy-2"));

        // Act
        var pass = await cluster.PassAsync(cluster.Restores, "copy-2");
        await Eventually.TrueAsync(() => cluster.Agent.PullCalls.Count == 2, "the new Checkpoint's pull reaches the agent");

        // Assert: the agent would answer the first ID with the old pull's result; the new Checkpoint has its own.
        Assert.Equal(ReconcileResult.After(cluster.Settings.TransferRecheckInterval), pass.Result);
        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);
        Assert.Equal([$"pull-{first.Metadata.Uid}-{Target}", $"pull-{second.Metadata.Uid}-{Target}"], cluster.Agent.PullCalls.Select(c => c.Request.OperationId));
    }

    /// <summary>The operator's pull of web-1 to the target finished (the reconciler sees it the way this awaits it).</summary>
    private Task PullEndedAsync() => cluster.PullEndedAsync(Target, "web-1");
}
