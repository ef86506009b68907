using Microsoft.AspNetCore.Builder;

namespace Cryo.Operator.Tests.Restores;

/// <summary>
/// What happens after a restore into a new pod when the restored application ends: the kubelet (played by
/// the test) restarts the container per the pod's restartPolicy, the new run is the bare placeholder, and the
/// operator restores into it again, once per run.
/// </summary>
public sealed class RestoreRestartTests : IAsyncLifetime
{
    private const string Node = "node-2";
    private OperatorHarness cluster = null!;
    private WebApplication operatorApp = null!;

    private FakeAgentEngine Agent => cluster.Agents[Node].Engine;

    public async Task InitializeAsync()
    {
        cluster = await OperatorHarness.StartAsync("node-1", Node);
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", "node-1");
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "batch", "node-1", spec => spec.RestartPolicy = "Never");
        operatorApp = await cluster.StartOperatorAsync();
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.CreateCheckpointAsync("batch-1", new CheckpointSpec { PodName = "batch" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "succeeded");
        await cluster.WaitForCheckpointAsync("batch-1", c => c.Status?.Phase == Phase.Succeeded, "succeeded");
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Restore_Should_RestoreAgainOnce_When_TheContainerRestarts_EvenWhenReconciledAgain()
    {
        // Arrange
        var (restore, first) = await RestoredCopyAsync("copy-1", "web-1");

        // Act: the restored application exits 3; the kubelet restarts the container as the placeholder.
        var restarted = await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "copy-1", "app", 3, "Error");
        var done = await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.RestoreCount == 2, "restored again");
        await cluster.ResyncedAsync("copy-1");

        // Assert: one more agent operation, for the new run, and status describes it.
        var calls = Agent.RestoreCalls.ToList();
        Assert.Equal([restore.Metadata.Uid, $"{restore.Metadata.Uid}-1"], calls.Select(c => c.OperationId).Distinct());
        Assert.Equal(2, Agent.RestoresRun);
        var newContainerId = restarted.Status.ContainerStatuses[0].ContainerID;
        Assert.All(calls.Where(c => c.OperationId.EndsWith("-1")), c => Assert.Equal(newContainerId["containerd://".Length..], c.Container.ContainerId));
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal(1, done.Status.ContainerRestartCount);
        Assert.Equal(newContainerId, done.Status.ContainerId);
        Assert.Equal(40002, done.Status.Pids!.Host);
        Assert.True(done.Status.LastRestoreTime >= first.Status!.LastRestoreTime);
        Assert.Equal(first.Status.CompletionTime, done.Status.CompletionTime);
        ConditionAssert.Is(done.Status.Conditions, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.Rerestored);
        var rerestored = await cluster.WaitForEventAsync("copy-1", e => e.Reason == ConditionReasons.Rerestored, "restored again");
        Assert.Equal("Normal", rerestored.Type);
        Assert.Contains("exited with code 3 (Error)", rerestored.Message);
        Assert.Equal(2, (await cluster.GetRestoreAsync("copy-1")).Status!.RestoreCount);
    }

    [Fact]
    public async Task Restore_Should_RestoreIntoEachNewRun_When_TheContainerRestartsWhileARestoreIsInFlight()
    {
        // Arrange: the agent holds the first restore while the placeholder restarts under it.
        Agent.RestoreHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restore = await cluster.CreateRestoreAsync("copy-1", new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Node } });
        await cluster.Kubelet.StartRestorePodAsync(OperatorHarness.Ns, "copy-1", Eventually.DefaultTimeout);
        await Eventually.TrueAsync(() => !Agent.RestoreCalls.IsEmpty, "the first restore is in flight");

        // Act
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "copy-1", "app", 124, "Error");
        Agent.RestoreHold.SetResult();
        var done = await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.ContainerRestartCount == 1 && r.Status.Phase == Phase.Succeeded, "restored into the new run");

        // Assert: the run it was sent into, then the new run, each restored once.
        Assert.Equal([restore.Metadata.Uid, $"{restore.Metadata.Uid}-1"], Agent.RestoreCalls.Select(c => c.OperationId).Distinct());
        Assert.Equal(2, Agent.RestoresRun);
        Assert.Equal(2, done.Status!.RestoreCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Restore_Should_RestoreIntoTheNewRun_When_TheFirstRestoreFailsBecauseThePlaceholderRestarted(bool endReportedBeforeRestart)
    {
        // Arrange: the agent holds the first restore; it fails once the container it was sent into is gone.
        Agent.RestoreHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restore = await cluster.CreateRestoreAsync("copy-1", new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = Node } });
        var started = await cluster.Kubelet.StartRestorePodAsync(OperatorHarness.Ns, "copy-1", Eventually.DefaultTimeout);
        var firstRun = started.Status.ContainerStatuses[0].ContainerID["containerd://".Length..];
        var gone = new RpcException(new Status(StatusCode.NotFound, $"no container {firstRun} on this node"));
        Agent.RestoreFailure = r => r.Container.ContainerId == firstRun ? gone : null;
        await Eventually.TrueAsync(() => !Agent.RestoreCalls.IsEmpty, "the first restore is in flight");

        // Act
        if (endReportedBeforeRestart)
        {
            // The kubelet reports the end first; the failed restore's pass sees no new run yet.
            int StatusWrites() => cluster.Api.Requests.Count(r => r.Method == "PUT" && r.Path.EndsWith("/restores/copy-1/status") && r.Client == "operator-1");
            await cluster.Kubelet.StopContainerAsync(OperatorHarness.Ns, "copy-1", "app", 124, "Error");
            var writes = StatusWrites();
            Agent.RestoreHold.SetResult();
            await Eventually.TrueAsync(() => StatusWrites() > writes, "the failed restore's pass wrote status");
        }

        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "copy-1", "app", 124, "Error");
        Agent.RestoreHold.TrySetResult();
        var done = await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert: not Failed; the new run was restored, under its own operation ID, with no Warning.
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal((1, 1), (done.Status.RestoreCount, done.Status.ContainerRestartCount));
        Assert.Equal(1, Agent.RestoresRun);
        Assert.Equal([restore.Metadata.Uid, $"{restore.Metadata.Uid}-1"], Agent.RestoreCalls.Select(c => c.OperationId).Distinct());
        Assert.DoesNotContain(await cluster.EventsAsync("copy-1"), e => e.Type == "Warning");
    }

    [Theory]
    [InlineData(1, "Error")]
    [InlineData(0, "Completed")]
    public async Task Restore_Should_SayTheContainerEnded_And_NotRestoreAgain_When_RestartPolicyIsNever(int exitCode, string reason)
    {
        // Arrange
        await RestoredCopyAsync("copy-1", "batch-1");
        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync("copy-1", OperatorHarness.Ns);

        // Act
        await cluster.Kubelet.EndContainerAsync(OperatorHarness.Ns, "copy-1", "app", exitCode, reason);
        var done = await cluster.WaitForRestoreAsync("copy-1",
            r => r.Status?.Conditions?.Any(c => c is { Type: ConditionTypes.PodReady, Status: "False" }) == true, "the pod's end is recorded");
        await cluster.ResyncedAsync("copy-1");

        // Assert
        Assert.Equal("Never", pod.Spec.RestartPolicy);
        Assert.Single(Agent.RestoreCalls);
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal(1, done.Status.RestoreCount);
        var podReady = done.Status.Conditions!.Single(c => c.Type == ConditionTypes.PodReady);
        Assert.Equal(ConditionReasons.ContainerEnded, podReady.Reason);
        Assert.Contains($"exited with code {exitCode} ({reason})", podReady.Message);
        Assert.Equal("True", done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Status);
        await cluster.WaitForEventAsync("copy-1", e => e.Reason == ConditionReasons.ContainerEnded, "ended");
        Assert.Single(await cluster.EventsAsync("copy-1"), e => e.Reason == ConditionReasons.ContainerEnded);
    }

    [Fact]
    public async Task Restore_Should_WarnAndRetry_When_RestoringAgainTimesOut_And_SucceedOnceTheAgentRecovers()
    {
        // Arrange: the agent answers TIMED_OUT, which may pass.
        var (restore, _) = await RestoredCopyAsync("copy-1", "web-1");
        Agent.RestoreFailure = _ => AgentErrors.Of(StatusCode.DeadlineExceeded, "TIMED_OUT", "restore ran past its timeout of 300 seconds");

        // Act
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "copy-1", "app", 0, "Completed");
        var failing = await cluster.WaitForRestoreAsync("copy-1",
            r => r.Status?.Conditions?.Any(c => c is { Type: ConditionTypes.Ready, Reason: ConditionReasons.RerestoreFailed }) == true, "the failure is recorded");
        var warning = await cluster.WaitForEventAsync("copy-1", e => e.Type == "Warning", "warning");
        await Eventually.TrueAsync(() => Agent.RestoreCalls.Count(c => c.OperationId.EndsWith("-1")) >= 2, "the restore is retried");
        Agent.RestoreFailure = null;
        var done = await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.Phase == Phase.Succeeded && r.Status.RestoreCount == 2, "restored again");

        // Assert
        Assert.Equal(Phase.Running, failing.Status!.Phase);
        Assert.True(failing.Status.RerestoreFailures >= 1);
        Assert.Equal("False", failing.Status.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Status);
        Assert.Contains("ran past its timeout", failing.Status.Message);
        Assert.Equal(ConditionReasons.RerestoreFailed, warning.Reason);
        Assert.Contains("DeadlineExceeded (TIMED_OUT)", warning.Message);
        Assert.Contains("retrying with backoff", warning.Message);
        Assert.Equal([restore.Metadata.Uid, $"{restore.Metadata.Uid}-1"], Agent.RestoreCalls.Select(c => c.OperationId).Distinct());
        Assert.Equal(2, Agent.RestoresRun);
        Assert.Equal("True", done.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Status);
        Assert.Null(done.Status.RerestoreFailures);
    }

    [Theory]
    [InlineData(StatusCode.FailedPrecondition, "TARGET_MISMATCH", "the size of /data/app.log differs from the checkpoint's")]
    [InlineData(StatusCode.FailedPrecondition, "CRIU_FAILED", "criu restore failed with exit code 1")]
    [InlineData(StatusCode.InvalidArgument, "INVALID_FIELD", "container_id is not a container ID")]
    // CHECKPOINT_NOT_FOUND from a node other than the Checkpoint's is not here: that node's agent pulls it first
    // (RestorePullPassTests).
    public async Task Restore_Should_FailAfterOneAttempt_When_TheAgentSaysRestoringAgainCannotSucceed(StatusCode code, string reason, string detail)
    {
        // Arrange
        var (restore, _) = await RestoredCopyAsync("copy-1", "web-1");
        Agent.RestoreFailure = _ => AgentErrors.Of(code, reason, detail);

        // Act
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "copy-1", "app", 0, "Completed");
        var done = await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.Phase == Phase.Failed, "failed");
        await cluster.ResyncedAsync("copy-1");
        await cluster.ResyncedAsync("copy-1");

        // Assert: one attempt into the new run, the agent's answer in status and in one Warning.
        Assert.Single(Agent.RestoreCalls, c => c.OperationId == $"{restore.Metadata.Uid}-1");
        ConditionAssert.Is(done.Status!.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.RerestoreFailed);
        Assert.Contains($"{code} ({reason}): {detail}", done.Status.Message);
        Assert.Contains("retrying cannot help", done.Status.Message);
        Assert.Equal(1, done.Status.RerestoreFailures);
        var warnings = (await cluster.EventsAsync("copy-1")).Where(e => e.Type == "Warning").ToList();
        var warning = Assert.Single(warnings);
        Assert.Equal(ConditionReasons.RerestoreFailed, warning.Reason);
        Assert.Contains(detail, warning.Message);
        Assert.Equal(Phase.Failed, (await cluster.GetRestoreAsync("copy-1")).Status!.Phase);
    }

    [Fact]
    public async Task Restore_Should_FailSayingHowManyAttemptsWereMade_When_RestoringAgainKeepsFailingTransiently()
    {
        // Arrange: an operator that allows three attempts; the agent keeps answering UNAVAILABLE.
        await cluster.StopOperatorAsync(operatorApp);
        operatorApp = await cluster.StartOperatorAsync(settings: new Dictionary<string, string?> { ["Operator:RerestoreMaxAttempts"] = "3" });
        var (restore, _) = await RestoredCopyAsync("copy-1", "web-1");
        Agent.RestoreFailure = _ => AgentErrors.Of(StatusCode.Unavailable, "TRANSIENT", "the agent is draining");

        // Act
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "copy-1", "app", 1, "Error");
        var done = await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.Phase == Phase.Failed, "failed");
        await cluster.ResyncedAsync("copy-1");
        await cluster.ResyncedAsync("copy-1");

        // Assert: three attempts, no more; the last Warning says so.
        Assert.Equal(3, Agent.RestoreCalls.Count(c => c.OperationId == $"{restore.Metadata.Uid}-1"));
        ConditionAssert.Is(done.Status!.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.RerestoreAttemptsExhausted);
        Assert.Contains("failed 3 times in a row", done.Status.Message);
        Assert.Contains("the agent is draining", done.Status.Message);
        Assert.Equal(3, done.Status.RerestoreFailures);
        var warnings = (await cluster.EventsAsync("copy-1")).Where(e => e.Type == "Warning").ToList();
        Assert.Equal(2, warnings.Count(e => e.Reason == ConditionReasons.RerestoreFailed));
        Assert.Contains("failed 3 times in a row", Assert.Single(warnings, e => e.Reason == ConditionReasons.RerestoreAttemptsExhausted).Message);
    }

    [Fact]
    public async Task Restore_Should_Fail_When_TheContainerRestartsAfterItsCheckpointWasDeleted()
    {
        // Arrange: the restored copy runs on; its Checkpoint (and images) are deleted meanwhile.
        await RestoredCopyAsync("copy-1", "web-1");
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Checkpoint.Plural, "web-1");
        await Eventually.TrueAsync(async () => (await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync<CheckpointList>(
            CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Checkpoint.Plural)).Items.All(c => c.Metadata.Name != "web-1"), "the Checkpoint is gone");
        await cluster.ResyncedAsync("copy-1");
        var stillRunning = await cluster.GetRestoreAsync("copy-1");

        // Act
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "copy-1", "app", 2, "Error");
        var done = await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.Phase == Phase.Failed, "failed");

        // Assert: the running copy did not care; the restart cannot be restored into.
        Assert.Equal(Phase.Succeeded, stillRunning.Status!.Phase);
        Assert.Single(Agent.RestoreCalls);
        Assert.Equal(ConditionReasons.CheckpointNotFound, done.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Reason);
        await cluster.WaitForEventAsync("copy-1", e => e.Type == "Warning" && e.Message.Contains("does not exist"), "warning");
    }

    [Fact]
    public async Task Restore_Should_NotRestoreAgain_When_AnExistingPodsContainerRestarts()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "receiver", Node);
        await cluster.CreateRestoreAsync("into-receiver", new RestoreSpec { CheckpointName = "web-1", ExistingPod = new ExistingPodTarget { Name = "receiver" } });
        await cluster.WaitForRestoreAsync("into-receiver", r => r.Status?.Phase == Phase.Succeeded, "restored");

        // Act
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "receiver", "app", 1, "Error");
        await cluster.ResyncedAsync("into-receiver");

        // Assert
        Assert.Single(Agent.RestoreCalls);
        var done = await cluster.GetRestoreAsync("into-receiver");
        Assert.Equal((Phase.Succeeded, 1), (done.Status!.Phase, done.Status.RestoreCount));
    }

    [Fact]
    public async Task Restore_Should_RestoreAgain_When_TheContainerOfAnExistingPodItControlsRestarts()
    {
        // Arrange: the pod is handed over to the Restore (its controller), as a RestoreSet hands over its placeholder pods.
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "handed", Node, spec => spec.ReadinessGates = [new V1PodReadinessGate { ConditionType = CryoNames.RestoredCondition }]);
        var restore = await RestoreIntoHandedPodAsync();

        // Act
        await cluster.Kubelet.RestartContainerAsync(OperatorHarness.Ns, "handed", "app", 1, "Error");
        var done = await cluster.WaitForRestoreAsync("into-handed", r => r.Status?.RestoreCount == 2, "restored again");

        // Assert: restored into the new run, as into a newPod's; the pod is Ready on it again.
        Assert.Equal([restore.Metadata.Uid, $"{restore.Metadata.Uid}-1"], Agent.RestoreCalls.Select(c => c.OperationId).Distinct());
        Assert.Equal((Phase.Succeeded, 1), (done.Status!.Phase, done.Status.ContainerRestartCount));
        var pod = await cluster.Client.CoreV1.ReadNamespacedPodAsync("handed", OperatorHarness.Ns);
        Assert.Equal(ConditionReasons.Restored, pod.Status.Conditions.Single(c => c.Type == CryoNames.RestoredCondition).Reason);
    }

    [Fact]
    public async Task Restore_Should_SayTheContainerEnded_When_AnExistingPodItControlsEndsForGood()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "handed", Node, spec => spec.RestartPolicy = "Never");
        await RestoreIntoHandedPodAsync();

        // Act
        await cluster.Kubelet.EndContainerAsync(OperatorHarness.Ns, "handed", "app", 0, "Completed");
        var done = await cluster.WaitForRestoreAsync("into-handed",
            r => r.Status?.Conditions?.Any(c => c is { Type: ConditionTypes.PodReady, Reason: ConditionReasons.ContainerEnded }) == true, "ended");

        // Assert
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Single(Agent.RestoreCalls);
    }

    /// <summary>
    /// Restores "web-1" into container app of the existing pod "handed" and hands the pod over to the Restore (its
    /// controller), as a RestoreSet hands over its placeholder pods; returns the Restore as created, once it Succeeded.
    /// </summary>
    private async Task<Restore> RestoreIntoHandedPodAsync()
    {
        var restore = await cluster.CreateRestoreAsync("into-handed", new RestoreSpec { CheckpointName = "web-1", ExistingPod = new ExistingPodTarget { Name = "handed", ContainerName = "app" } });
        var owner = new { apiVersion = CryoNames.ApiVersion, kind = Restore.KindName, name = restore.Metadata.Name, uid = restore.Metadata.Uid, controller = true };
        await cluster.Client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch(KubernetesJson.Serialize(new { metadata = new { ownerReferences = new[] { owner } } }), V1Patch.PatchType.MergePatch), "handed", OperatorHarness.Ns);
        await cluster.WaitForRestoreAsync("into-handed", r => r.Status?.Phase == Phase.Succeeded, "restored");
        return restore;
    }

    /// <summary>Restores <paramref name="checkpoint"/> into a new pod on <see cref="Node"/> and plays its kubelet until it Succeeded.</summary>
    private async Task<(Restore Created, Restore Done)> RestoredCopyAsync(string name, string checkpoint)
    {
        var created = await cluster.CreateRestoreAsync(name, new RestoreSpec { CheckpointName = checkpoint, NewPod = new NewPodTarget { NodeName = Node } });
        await cluster.Kubelet.StartRestorePodAsync(OperatorHarness.Ns, name, Eventually.DefaultTimeout);
        var done = await cluster.WaitForRestoreAsync(name, r => r.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal((1, 0), (done.Status.RestoreCount, done.Status.ContainerRestartCount));
        return (created, done);
    }
}
