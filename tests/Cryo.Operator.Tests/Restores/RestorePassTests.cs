using Cryo.Contracts.Agent.V1;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Restores;

/// <summary>Single passes of the Restore reconciler: given these objects, this pass writes this status and asks for this.</summary>
public sealed class RestorePassTests : IAsyncLifetime
{
    private static readonly RestoreSpec CopyOnNode = new() { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Node } };

    private SinglePassHarness cluster = null!;
    private V1Pod web = null!;

    public async Task InitializeAsync()
    {
        cluster = await SinglePassHarness.StartAsync();
        web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Pass_Should_WaitForTheCheckpoint_AndRetry_When_ItHasNotSucceeded_And_ASecondPassWritesNothing()
    {
        // Arrange
        await cluster.CheckpointAsync("web-1", new CheckpointSpec { PodName = "web" }, new CheckpointStatus { Phase = Phase.Running });
        await cluster.RestoreAsync("copy-1", CopyOnNode);

        // Act
        var pass = await cluster.PassAsync(cluster.Restores, "copy-1");
        var waiting = await cluster.GetRestoreAsync("copy-1");
        var again = await cluster.PassAsync(cluster.Restores, "copy-1");

        // Assert: Pending, no pod, no agent call; retried with backoff.
        Assert.Equal(ReconcileResult.Retry, pass.Result);
        Assert.Equal(["PUT restores/copy-1/status"], pass.Writes);
        var status = waiting.Status!;
        Assert.Equal((Phase.Pending, Now, null), (status.Phase, status.StartTime, status.PodName));
        Assert.Equal("Checkpoint apps/web-1 has not succeeded yet", status.Message);
        ConditionAssert.Has(status.Conditions, ConditionTypes.CheckpointReady, ConditionStatus.False, ConditionReasons.CheckpointNotSucceeded);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.CheckpointNotSucceeded);
        Assert.DoesNotContain(status.Conditions!, c => c.Type == ConditionTypes.PodReady);
        Assert.Empty(cluster.Agent.RestoreCalls);

        // Assert: the pass run again is harmless.
        Assert.Equal(ReconcileResult.Retry, again.Result);
        Assert.Empty(again.Writes);
    }

    [Fact]
    public async Task Pass_Should_CreateThePod_AndLookAgainSoon_When_ItsPlaceholderDoesNotRunYet_And_ASecondPassWritesNothing()
    {
        // Arrange
        await cluster.SucceededCheckpointAsync("web-1", web);
        var restore = await cluster.RestoreAsync("copy-1", CopyOnNode);

        // Act
        var pass = await cluster.PassAsync(cluster.Restores, "copy-1");
        var waiting = await cluster.GetRestoreAsync("copy-1");
        var pod = await cluster.GetPodAsync("copy-1");
        var again = await cluster.PassAsync(cluster.Restores, "copy-1");

        // Assert: the pod is created, owned and gated; the Restore looks again after the recheck interval.
        Assert.Equal(ReconcileResult.After(cluster.Settings.PlaceholderRecheckInterval), pass.Result);
        Assert.Equal(["POST pods", "POST events", "PUT restores/copy-1/status"], pass.Writes);
        Assert.Equal(restore.Metadata.Uid, Assert.Single(pod.Metadata.OwnerReferences).Uid);
        Assert.Equal([CryoNames.RestoredCondition], pod.Spec.ReadinessGates.Select(g => g.ConditionType));
        Assert.Equal(Node, pod.Spec.NodeName);
        var status = waiting.Status!;
        Assert.Equal((Phase.Running, "copy-1", Node), (status.Phase, status.PodName, status.NodeName));
        ConditionAssert.Has(status.Conditions, ConditionTypes.CheckpointReady, ConditionStatus.True, ConditionReasons.CheckpointSucceeded);
        ConditionAssert.Has(status.Conditions, ConditionTypes.PodReady, ConditionStatus.False, ConditionReasons.WaitingForPlaceholder);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.WaitingForPlaceholder);
        Assert.Equal(ConditionReasons.PodCreated, Assert.Single(await cluster.EventsAsync("copy-1")).Reason);
        Assert.Empty(cluster.Agent.RestoreCalls);

        // Assert: the pass run again finds the pod it created and writes nothing.
        Assert.Equal(pass.Result, again.Result);
        Assert.Empty(again.Writes);
    }

    [Fact]
    public async Task Pass_Should_RestoreIntoTheRunningPlaceholder_AndBeDone_And_ASecondPassWritesNothing()
    {
        // Arrange
        var (restore, placeholder) = await PlaceholderRunsAsync();

        // Act
        var pass = await cluster.PassAsync(cluster.Restores, "copy-1");
        var done = await cluster.GetRestoreAsync("copy-1");
        var pod = await cluster.GetPodAsync("copy-1");
        var again = await cluster.PassAsync(cluster.Restores, "copy-1");

        // Assert: the pod is marked Restoring, the agent restores under the Restore's UID, the pod is marked Restored,
        // then the status is written once.
        Assert.Equal(ReconcileResult.Done, pass.Result);
        Assert.Equal(["PATCH pods/copy-1/status", "POST events", "PATCH pods/copy-1/status", "PUT restores/copy-1/status", "POST events"], pass.Writes);
        var call = Assert.Single(cluster.Agent.RestoreCalls);
        Assert.Equal(restore.Metadata.Uid, call.OperationId);
        Assert.Equal(placeholder.Status.ContainerStatuses[0].ContainerID["containerd://".Length..], call.Container.ContainerId);
        var status = done.Status!;
        Assert.Equal((Phase.Succeeded, 1, 0), (status.Phase, status.RestoreCount, status.ContainerRestartCount));
        Assert.Equal((40001, 1), (status.Pids!.Host, status.Pids.InNamespace));
        Assert.Equal((Now, Now), (status.CompletionTime, status.LastRestoreTime));
        Assert.Equal(placeholder.Status.ContainerStatuses[0].ContainerID, status.ContainerId);
        ConditionAssert.Has(status.Conditions, ConditionTypes.PodReady, ConditionStatus.True, ConditionReasons.PlaceholderRunning);
        ConditionAssert.Has(status.Conditions, ConditionTypes.AgentReachable, ConditionStatus.True, ConditionReasons.AgentAnswered);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.RestoreSucceeded);
        var restored = Assert.Single(pod.Status.Conditions, c => c.Type == CryoNames.RestoredCondition);
        Assert.Equal((ConditionStatus.True, ConditionReasons.Restored), (restored.Status, restored.Reason));

        // Assert: the pass run again (a resync) follows the pod, which needs nothing.
        Assert.Equal(ReconcileResult.Done, again.Result);
        Assert.Empty(again.Writes);
        Assert.Single(cluster.Agent.RestoreCalls);
    }

    [Fact]
    public async Task Pass_Should_FailTheRestore_AndKeepThePodNotReady_When_TheAgentRefuses_And_ASecondPassWritesNothing()
    {
        // Arrange
        await PlaceholderRunsAsync();
        cluster.Agent.Refuse(ErrorReason.CriuFailed, "criu restore failed with exit code 1");

        // Act
        var pass = await cluster.PassAsync(cluster.Restores, "copy-1");
        var failed = await cluster.GetRestoreAsync("copy-1");
        var pod = await cluster.GetPodAsync("copy-1");
        var again = await cluster.PassAsync(cluster.Restores, "copy-1");

        // Assert: a terminal failure, said in status, on the pod and in a Warning.
        Assert.Equal(ReconcileResult.Done, pass.Result);
        Assert.Equal(["PATCH pods/copy-1/status", "POST events", "PATCH pods/copy-1/status", "PUT restores/copy-1/status", "POST events"], pass.Writes);
        var status = failed.Status!;
        Assert.Equal((Phase.Failed, Now), (status.Phase, status.CompletionTime));
        Assert.Contains("Pod copy-1 is kept for kubectl logs and describe but not Ready", status.Message);
        Assert.Contains("FailedPrecondition (CRIU_FAILED): criu restore failed with exit code 1", status.Message);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.RestoreFailed);
        var restored = Assert.Single(pod.Status.Conditions, c => c.Type == CryoNames.RestoredCondition);
        Assert.Equal((ConditionStatus.False, ConditionReasons.RestoreFailed), (restored.Status, restored.Reason));
        Assert.Single(await cluster.EventsAsync("copy-1"), e => e is { Type: "Warning", Reason: ConditionReasons.RestoreFailed });

        // Assert: a Failed Restore is left alone.
        Assert.Equal(ReconcileResult.Done, again.Result);
        Assert.Empty(again.Writes);
        Assert.Single(cluster.Agent.RestoreCalls);
    }

    [Fact]
    public async Task Pass_Should_SayNoAgentRunsOnTheNode_AndRetryWithBackoff_And_ASecondPassWritesNothing()
    {
        // Arrange: the placeholder runs on a node without an agent.
        cluster.Locator.Nodes.Clear();
        await PlaceholderRunsAsync();

        // Act
        var pass = await cluster.PassAsync(cluster.Restores, "copy-1");
        var unreachable = await cluster.GetRestoreAsync("copy-1");
        var again = await cluster.PassAsync(cluster.Restores, "copy-1");

        // Assert
        Assert.Equal(ReconcileResult.Retry, pass.Result);
        Assert.Equal(["PATCH pods/copy-1/status", "PUT restores/copy-1/status"], pass.Writes);
        Assert.Equal(Phase.Running, unreachable.Status!.Phase);
        Assert.StartsWith($"no ready agent pod (selector app.kubernetes.io/component=agent in namespace cryo-system) runs on node {Node}", unreachable.Status.Message);
        ConditionAssert.Has(unreachable.Status.Conditions, ConditionTypes.AgentReachable, ConditionStatus.False, ConditionReasons.AgentNotFound);
        Assert.Equal(ReconcileResult.Retry, again.Result);
        Assert.Empty(again.Writes);
        Assert.Empty(cluster.Agent.RestoreCalls);
    }

    /// <summary>Restore copy-1 of a Succeeded web-1: an earlier pass created its pod, whose kubelet started the placeholder.</summary>
    [Fact]
    public async Task Pass_Should_RecordWhereTheRestoresTimeWentStepByStep_When_TheAgentReportsItsSteps()
    {
        // Arrange
        await PlaceholderRunsAsync(new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Node } });

        // Act
        await cluster.PassAsync(cluster.Restores, "copy-1");
        var timings = (await cluster.GetRestoreAsync("copy-1")).Status!.Timings!;

        // Assert: every step the agent reported, read back from the API server (a zero is a step that took no time, not a missing one).
        Assert.Equal((2L, 6L, 3L, 4L, 10L, 1L, 0L, 5L, 21L),
            (timings.TargetMilliseconds, timings.FilesMilliseconds, timings.FilesWaitMilliseconds, timings.PrepareMilliseconds, timings.RestoreMilliseconds,
             timings.VerifyMilliseconds, timings.VerifyWaitMilliseconds, timings.HandoffMilliseconds, timings.TotalMilliseconds));
    }

    [Fact]
    public async Task Pass_Should_AskForALazyRestoreAndRecordIt_When_TheSpecSaysLazy()
    {
        // Arrange
        await PlaceholderRunsAsync(new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Node }, Lazy = true });

        // Act
        await cluster.PassAsync(cluster.Restores, "copy-1");
        var done = await cluster.GetRestoreAsync("copy-1");

        // Assert
        Assert.True(Assert.Single(cluster.Agent.RestoreCalls).Lazy);
        Assert.Equal((Phase.Succeeded, true, null), (done.Status!.Phase, done.Status.Lazy, done.Status.LazyFallbackReason));
        Assert.DoesNotContain(await cluster.EventsAsync("copy-1"), e => e.Reason == ConditionReasons.LazyRestoreUnavailable);
    }

    [Fact]
    public async Task Pass_Should_RecordWhyAndWarn_When_TheNodeRestoredEagerlyInsteadOfLazily()
    {
        // Arrange
        await PlaceholderRunsAsync(new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Node }, Lazy = true });
        cluster.Agent.LazyFallbackReason = "restored eagerly, not lazily: kernel lacks userfaultfd: lazy (on-demand) restore is unavailable";

        // Act
        await cluster.PassAsync(cluster.Restores, "copy-1");
        var done = await cluster.GetRestoreAsync("copy-1");
        var events = await cluster.EventsAsync("copy-1");

        // Assert: still a successful restore, which says how its memory came.
        Assert.Equal((Phase.Succeeded, null), (done.Status!.Phase, done.Status.Lazy));
        Assert.Equal(cluster.Agent.LazyFallbackReason, done.Status.LazyFallbackReason);
        var warning = Assert.Single(events, e => e.Reason == ConditionReasons.LazyRestoreUnavailable);
        Assert.Equal(("Warning", cluster.Agent.LazyFallbackReason), (warning.Type, warning.Message));
    }

    [Fact]
    public async Task Pass_Should_LeaveTheRestoredConditionAlone_When_AnotherRestoreIntoTheRestartedContainerHasNotWrittenItsStatusYet()
    {
        // Arrange: into-receiver restored into the first run of a pod that declares the gate; the container restarted.
        var receiver = await cluster.Kubelet.RunPodAsync(Ns, "receiver", Node,
            spec => spec.ReadinessGates = [new V1PodReadinessGate { ConditionType = CryoNames.RestoredCondition }]);
        await cluster.SucceededCheckpointAsync("web-1", web);
        await cluster.RestoreAsync("into-receiver", new RestoreSpec { CheckpointName = "web-1", ExistingPod = new ExistingPodTarget { Name = "receiver" } });
        await cluster.PassAsync(cluster.Restores, "into-receiver");
        await cluster.Kubelet.RestartContainerAsync(Ns, "receiver", "app", 1, "Error");
        // into-receiver-2's first pass restored into the new run and marked the pod, and is about to write its first
        // status (a pass writes status once, at its end): a pod event wakes into-receiver in between.
        await cluster.RestoreAsync("into-receiver-2", new RestoreSpec { CheckpointName = "web-1", ExistingPod = new ExistingPodTarget { Name = "receiver" } });
        var restarted = await cluster.GetPodAsync("receiver");
        var marked = await cluster.Client.CoreV1.PatchNamespacedPodStatusAsync(
            RestoredCondition.Restored("Checkpoint web-1 restored into container app").PatchFor(restarted, Now), "receiver", Ns);

        // Act
        var pass = await cluster.PassAsync(cluster.Restores, "into-receiver");
        var pod = await cluster.GetPodAsync("receiver");

        // Assert: the condition of the run into-receiver-2 restored into is not into-receiver's to overwrite.
        Assert.Equal(receiver.Metadata.Uid, pod.Metadata.Uid);
        Assert.Empty(pass.Writes);
        var restored = Assert.Single(pod.Status.Conditions, c => c.Type == CryoNames.RestoredCondition);
        Assert.Equal((ConditionStatus.True, ConditionReasons.Restored), (restored.Status, restored.Reason));
        Assert.Equal(marked.Metadata.ResourceVersion, pod.Metadata.ResourceVersion);
    }

    private async Task<(Restore Restore, V1Pod Placeholder)> PlaceholderRunsAsync(RestoreSpec? spec = null)
    {
        await cluster.SucceededCheckpointAsync("web-1", web);
        var restore = await cluster.RestoreAsync("copy-1", spec ?? CopyOnNode);
        await cluster.PassAsync(cluster.Restores, "copy-1");
        return (restore, await cluster.Kubelet.StartAsync(await cluster.GetPodAsync("copy-1")));
    }
}
