namespace Cryo.Operator.Tests.Restores;

/// <summary>
/// A pod that holds no restored application is never Ready: the pods Restores create declare the readiness gate
/// cryo.io/restored, the operator sets that pod condition, and the kubelet (played by <see cref="FakeKubelet"/>)
/// computes Ready from the containers and the gate. A Service selecting the pod sends it traffic only then.
/// </summary>
public sealed class RestoredPodReadinessTests : IAsyncLifetime
{
    private const string Node = "node-2";
    private OperatorHarness cluster = null!;

    private FakeAgentEngine Agent => cluster.Agents[Node].Engine;

    public async Task InitializeAsync()
    {
        (cluster, _) = await OperatorHarness.StartWithCheckpointAsync(Node);
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Restore_Should_KeepThePodButNotReady_And_SaySo_When_TheAgentCannotRestoreIntoIt()
    {
        // Arrange
        Agent.RestoreFailure = _ => AgentErrors.Of(StatusCode.FailedPrecondition, "CRIU_FAILED", "criu restore failed with exit code 1");

        // Act
        await cluster.CreateRestoreAsync("copy-1", new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Node } });
        await cluster.Kubelet.StartRestorePodAsync(OperatorHarness.Ns, "copy-1", Eventually.DefaultTimeout);
        var done = await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");
        var pod = await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "copy-1");
        var warning = await cluster.WaitForEventAsync("copy-1", e => e.Type == "Warning", "warning");

        // Assert: the pod is kept, its container ready, yet the pod is not Ready, and it says why.
        Assert.Equal("Running", pod.Status.Phase);
        Assert.True(pod.Status.ContainerStatuses.Single().Ready);
        var ready = ReadyOf(pod);
        Assert.Equal(("False", FakeKubelet.ReadinessGatesNotReady), (ready.Status, ready.Reason));
        Assert.Contains($"readiness gate \"{CryoNames.RestoredCondition}\" is not \"True\", but False", ready.Message);
        var restored = RestoredConditionOf(pod);
        Assert.Equal(("False", ConditionReasons.RestoreFailed), (restored.Status, restored.Reason));
        Assert.Contains("criu restore failed with exit code 1", restored.Message);
        Assert.Contains("deleting Restore copy-1 deletes it", restored.Message);

        // Assert: the Restore Failed, and its status and Warning say what became of the pod.
        Assert.Equal(Phase.Failed, done.Status!.Phase);
        ConditionAssert.Is(done.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.RestoreFailed);
        Assert.Contains("Pod copy-1 is kept for kubectl logs and describe but not Ready", done.Status.Message);
        Assert.Contains("FailedPrecondition (CRIU_FAILED): criu restore failed with exit code 1", done.Status.Message);
        Assert.Equal(ConditionReasons.RestoreFailed, warning.Reason);
        Assert.Contains("not Ready", warning.Message);
        Assert.Contains("deleting Restore copy-1 deletes it", warning.Message);
    }

    [Fact]
    public async Task Restore_Should_MakeThePodReady_OnlyOnceTheRestoreSucceeded()
    {
        // Arrange: the agent holds the restore in flight.
        Agent.RestoreHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await cluster.CreateRestoreAsync("copy-1", new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Node } });
        var started = await cluster.Kubelet.StartRestorePodAsync(OperatorHarness.Ns, "copy-1", Eventually.DefaultTimeout);
        await Eventually.TrueAsync(() => !Agent.RestoreCalls.IsEmpty, "the restore is in flight");

        // Act
        var restoring = await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "copy-1");
        Agent.RestoreHold.SetResult();
        await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.Phase == Phase.Succeeded, "succeeded");
        var restored = await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "copy-1");

        // Assert: not Ready from its start (the gate's condition does not exist yet), nor while restoring; Ready after.
        Assert.Equal([CryoNames.RestoredCondition], started.Spec.ReadinessGates.Select(g => g.ConditionType));
        Assert.Equal(("False", FakeKubelet.ReadinessGatesNotReady), (ReadyOf(started).Status, ReadyOf(started).Reason));
        Assert.Contains("does not exist", ReadyOf(started).Message);
        Assert.Equal(("False", ConditionReasons.Restoring), (RestoredConditionOf(restoring).Status, RestoredConditionOf(restoring).Reason));
        Assert.Equal("False", ReadyOf(restoring).Status);
        Assert.Equal(("True", ConditionReasons.Restored), (RestoredConditionOf(restored).Status, RestoredConditionOf(restored).Reason));
        Assert.Equal("True", ReadyOf(restored).Status);
        Assert.Equal(["ContainersReady", "Initialized", "PodScheduled", "Ready", CryoNames.RestoredCondition],
            restored.Status.Conditions.Select(c => c.Type).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Restore_Should_TakeThePodOutOfReadiness_When_TheContainerRestarts_UntilItIsRestoredAgain()
    {
        // Arrange: a restored copy; the agent will hold the restore into the restarted container.
        await RestoredCopyAsync("copy-1");
        Agent.RestoreHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Act
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "copy-1", "app", 3, "Error");
        await Eventually.TrueAsync(() => Agent.RestoreCalls.Any(c => c.OperationId.EndsWith("-1")), "the restore into the new run is in flight");
        var restarted = await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "copy-1");
        Agent.RestoreHold.SetResult();
        await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.RestoreCount == 2, "restored again");
        var again = await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "copy-1");

        // Assert: False before the restore into the new run was sent, True once it succeeded.
        var stale = RestoredConditionOf(restarted);
        Assert.Equal(("False", ConditionReasons.ContainerRestarted), (stale.Status, stale.Reason));
        Assert.Contains("exited with code 3 (Error)", stale.Message);
        Assert.Equal(("False", FakeKubelet.ReadinessGatesNotReady), (ReadyOf(restarted).Status, ReadyOf(restarted).Reason));
        Assert.Equal(("True", ConditionReasons.Restored), (RestoredConditionOf(again).Status, RestoredConditionOf(again).Reason));
        Assert.Equal("True", ReadyOf(again).Status);
    }

    [Fact]
    public async Task Restore_Should_LeaveThePodNotReady_When_RestoringIntoTheRestartedContainerFails()
    {
        // Arrange
        await RestoredCopyAsync("copy-1");
        Agent.RestoreFailure = _ => AgentErrors.Of(StatusCode.FailedPrecondition, "TARGET_MISMATCH", "the size of /data/app.log differs from the checkpoint's");

        // Act
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "copy-1", "app", 1, "Error");
        var done = await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.Phase == Phase.Failed, "failed");
        var pod = await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "copy-1");

        // Assert
        var restored = RestoredConditionOf(pod);
        Assert.Equal(("False", ConditionReasons.RerestoreFailed), (restored.Status, restored.Reason));
        Assert.Contains("differs from the checkpoint's", restored.Message);
        Assert.Equal(("False", FakeKubelet.ReadinessGatesNotReady), (ReadyOf(pod).Status, ReadyOf(pod).Reason));
        Assert.Contains("deleting Restore copy-1 deletes it", done.Status!.Message);
    }

    [Fact]
    public async Task Restore_Should_KeepTheConditionOfAnExistingPodThatDeclaresTheGate_TheSameWay()
    {
        // Arrange: the user's pod declares the gate, so it is not Ready until something restores into it.
        var receiver = await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "receiver", Node,
            spec => spec.ReadinessGates = [new V1PodReadinessGate { ConditionType = CryoNames.RestoredCondition }]);

        // Act: restore into it; its container restarts; a second Restore restores into the new run.
        await cluster.CreateRestoreAsync("into-receiver", new RestoreSpec { CheckpointName = "web-1", ExistingPod = new ExistingPodTarget { Name = "receiver" } });
        await cluster.WaitForRestoreAsync("into-receiver", r => r.Status?.Phase == Phase.Succeeded, "restored");
        var restored = await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "receiver");
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "receiver", "app", 1, "Error");
        await Eventually.TrueAsync(async () => RestoredConditionOf(await ReadPodAsync("receiver")).Status == "False", "the restart takes the pod out of readiness");
        var restarted = await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "receiver");
        await cluster.CreateRestoreAsync("into-receiver-2", new RestoreSpec { CheckpointName = "web-1", ExistingPod = new ExistingPodTarget { Name = "receiver" } });
        await cluster.WaitForRestoreAsync("into-receiver-2", r => r.Status?.Phase == Phase.Succeeded, "restored into the new run");
        await cluster.ResyncedAsync("into-receiver");
        var restoredAgain = await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "receiver");

        // Assert: not Ready before, Ready once restored, not Ready after the restart, Ready after the second Restore,
        // which the first one, restored into an earlier run, leaves alone.
        Assert.Equal("False", ReadyOf(receiver).Status);
        Assert.Equal(("True", "True"), (RestoredConditionOf(restored).Status, ReadyOf(restored).Status));
        Assert.Equal(ConditionReasons.ContainerRestarted, RestoredConditionOf(restarted).Reason);
        Assert.Contains("create another Restore", RestoredConditionOf(restarted).Message);
        Assert.Equal("False", ReadyOf(restarted).Status);
        await cluster.WaitForEventAsync("into-receiver", e => e.Reason == ConditionReasons.ContainerRestarted, "restart recorded");
        Assert.Equal(("True", "True"), (RestoredConditionOf(restoredAgain).Status, ReadyOf(restoredAgain).Status));
        Assert.Equal(2, Agent.RestoresRun);
        Assert.Equal(Phase.Succeeded, (await cluster.GetRestoreAsync("into-receiver")).Status!.Phase);
    }

    [Fact]
    public async Task Restore_Should_ChangeNothingOfAnExistingPodWithoutTheGate()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "receiver", Node);

        // Act: a restore into it, then a restart of its container.
        await cluster.CreateRestoreAsync("into-receiver", new RestoreSpec { CheckpointName = "web-1", ExistingPod = new ExistingPodTarget { Name = "receiver" } });
        await cluster.WaitForRestoreAsync("into-receiver", r => r.Status?.Phase == Phase.Succeeded, "restored");
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "receiver", "app", 1, "Error");
        await cluster.ResyncedAsync("into-receiver");
        var pod = await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, "receiver");

        // Assert: the operator never wrote the pod's status; its readiness is its containers'.
        Assert.DoesNotContain(cluster.Api.Requests, r => r.Client == "operator-1" && r.Path.EndsWith("/pods/receiver/status"));
        Assert.DoesNotContain(pod.Status.Conditions, c => c.Type == CryoNames.RestoredCondition);
        Assert.Equal("True", ReadyOf(pod).Status);
    }

    private static V1PodCondition RestoredConditionOf(V1Pod pod) => pod.Status.Conditions.Single(c => c.Type == CryoNames.RestoredCondition);

    private static V1PodCondition ReadyOf(V1Pod pod) => pod.Status.Conditions.Single(c => c.Type == "Ready");

    private Task<V1Pod> ReadPodAsync(string name) => cluster.Client.CoreV1.ReadNamespacedPodAsync(name, OperatorHarness.Ns);

    /// <summary>Restores web-1 into a new pod on <see cref="Node"/>, plays its kubelet until it Succeeded, and checks it is Ready.</summary>
    private async Task RestoredCopyAsync(string name)
    {
        await cluster.CreateRestoreAsync(name, new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Node } });
        await cluster.Kubelet.StartRestorePodAsync(OperatorHarness.Ns, name, Eventually.DefaultTimeout);
        await cluster.WaitForRestoreAsync(name, r => r.Status?.Phase == Phase.Succeeded, "succeeded");
        Assert.Equal("True", ReadyOf(await cluster.Kubelet.SyncAsync(OperatorHarness.Ns, name)).Status);
    }
}
