namespace Cryo.Operator.Tests.Restores;

public sealed class RestoreReconcilerTests : IAsyncLifetime
{
    private OperatorHarness cluster = null!;

    public async Task InitializeAsync()
    {
        (cluster, _) = await OperatorHarness.StartWithCheckpointAsync();
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Restore_Should_CreatePod_WaitForPlaceholder_RestoreOnItsNode_And_CleanUpOnDelete()
    {
        // Arrange
        var spec = new RestoreSpec
        {
            CheckpointName = "web-1",
            NewPod = new NewPodTarget { Name = "web-copy", NodeName = "node-2", Labels = new Dictionary<string, string> { ["copy"] = "1" } },
        };

        // Act
        var restore = await cluster.CreateRestoreAsync("copy-1", spec);
        var waiting = await cluster.WaitForRestoreAsync("copy-1",
            r => r.Status?.Conditions?.Any(c => c is { Type: ConditionTypes.PodReady, Reason: ConditionReasons.WaitingForPlaceholder }) == true,
            "waiting for the placeholder");
        var callsWhileWaiting = cluster.Agents.Values.Sum(a => a.Engine.RestoreCalls.Count);
        var pod = await cluster.Kubelet.StartRestorePodAsync(OperatorHarness.Ns, "copy-1", Eventually.DefaultTimeout);
        var done = await cluster.WaitForRestoreAsync("copy-1", r => r.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert: the pod is the checkpointed one, with the placeholder, pinned and owned.
        Assert.Equal(0, callsWhileWaiting);
        Assert.Equal(Phase.Running, waiting.Status!.Phase);
        Assert.Equal("web-copy", pod.Metadata.Name);
        Assert.Equal("node-2", pod.Spec.NodeName);
        Assert.Equal(["/.cryo/cryo-placeholder"], pod.Spec.Containers[0].Command);
        Assert.Equal("registry.example/app:1", pod.Spec.Containers[0].Image);
        // By default the placeholder comes from the agent's CSI driver: no init container, one kubelet pass.
        Assert.Empty(pod.Spec.InitContainers ?? []);
        Assert.Equal(CryoNames.PlaceholderCsiDriver, pod.Spec.Volumes.Single(v => v.Name == CryoNames.PlaceholderVolumeName).Csi.Driver);
        Assert.Equal(restore.Metadata.Uid, Assert.Single(pod.Metadata.OwnerReferences).Uid);
        Assert.Equal("1", pod.Metadata.Labels["copy"]);

        // Assert: the agent of node-2 restored into the placeholder container.
        Assert.Empty(cluster.Agents["node-1"].Engine.RestoreCalls);
        var call = Assert.Single(cluster.Agents["node-2"].Engine.RestoreCalls);
        Assert.Equal(restore.Metadata.Uid, call.OperationId);
        Assert.Equal(("apps", "web-1"), (call.Checkpoint.Namespace, call.Checkpoint.Name));
        Assert.Equal(pod.Status.ContainerStatuses[0].ContainerID["containerd://".Length..], call.Container.ContainerId);
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal(("web-copy", "node-2"), (done.Status.PodName, done.Status.NodeName));
        Assert.Equal(1, done.Status.Pids!.InNamespace);
        Assert.True(done.Status.Pids.Host > 1);
        await cluster.WaitForEventAsync("copy-1", e => e.Reason == ConditionReasons.PodCreated, "pod created");
        await cluster.WaitForEventAsync("copy-1", e => e.Reason == ConditionReasons.RestoreSucceeded, "restored");

        // Act + Assert: deleting the Restore deletes its pod (gracefully: it runs on a node, whose kubelet removes it once stopped).
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Restore.Plural, "copy-1");
        await Eventually.TrueAsync(async () => (await cluster.Client.CoreV1.ListNamespacedPodAsync(OperatorHarness.Ns, labelSelector: $"{CryoNames.RestoreLabel}=copy-1")).Items
                .All(p => p.Metadata.DeletionTimestamp is not null),
            "the restored pod is deleted with its Restore");
    }

    [Fact]
    public async Task Restore_Should_LeaveThePodToTheScheduler_And_RestoreOnTheNodeItChose_When_NoNodeIsAsked()
    {
        // Arrange: the checkpoint was taken on node-1; nothing in the Restore names a node.
        var spec = new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { Name = "web-free" } };

        // Act: the operator creates the pod; the test schedules it onto node-2 and its kubelet starts it.
        await cluster.CreateRestoreAsync("free-1", spec);
        var created = await cluster.Kubelet.RestorePodAsync(OperatorHarness.Ns, "free-1", Eventually.DefaultTimeout);
        var unscheduled = await cluster.WaitForRestoreAsync("free-1",
            r => r.Status?.Conditions?.Any(c => c is { Type: ConditionTypes.PodReady, Reason: ConditionReasons.WaitingForPlaceholder }) == true,
            "waiting for the placeholder");
        var bound = await cluster.Kubelet.ScheduleAsync(created, "node-2");
        var running = await cluster.Kubelet.StartAsync(bound);
        var done = await cluster.WaitForRestoreAsync("free-1", r => r.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert: created without a node (not pinned to the checkpointed one), restored by node-2's agent.
        Assert.Null(created.Spec.NodeName);
        Assert.Null(unscheduled.Status!.NodeName);
        Assert.Empty(cluster.Agents["node-1"].Engine.RestoreCalls);
        var call = Assert.Single(cluster.Agents["node-2"].Engine.RestoreCalls);
        Assert.Equal(running.Status.ContainerStatuses[0].ContainerID["containerd://".Length..], call.Container.ContainerId);
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal(("web-free", "node-2"), (done.Status.PodName, done.Status.NodeName));
    }

    [Fact]
    public async Task Restore_Should_PutTheNodeSelectorOnThePodItCreates_And_RestoreWhereItIsScheduled()
    {
        // Arrange
        var spec = new RestoreSpec
        {
            CheckpointName = "web-1",
            NewPod = new NewPodTarget { Name = "web-ssd", NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" } },
        };

        // Act: the test plays the scheduler, placing the pod on node-2 (the node labelled disk=ssd).
        await cluster.CreateRestoreAsync("ssd-1", spec);
        var created = await cluster.Kubelet.RestorePodAsync(OperatorHarness.Ns, "ssd-1", Eventually.DefaultTimeout);
        await cluster.Kubelet.StartAsync(await cluster.Kubelet.ScheduleAsync(created, "node-2"));
        var done = await cluster.WaitForRestoreAsync("ssd-1", r => r.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(new Dictionary<string, string> { ["disk"] = "ssd" }, created.Spec.NodeSelector);
        Assert.Null(created.Spec.NodeName);
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal("node-2", done.Status.NodeName);
        Assert.Single(cluster.Agents["node-2"].Engine.RestoreCalls);
        Assert.Empty(cluster.Agents["node-1"].Engine.RestoreCalls);
    }

    [Fact]
    public async Task Restore_Should_RestoreIntoExistingPodContainer()
    {
        // Arrange
        var target = await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "receiver", "node-2", "main", "sidecar");

        // Act
        await cluster.CreateRestoreAsync("into-receiver", new RestoreSpec
        {
            CheckpointName = "web-1",
            ExistingPod = new ExistingPodTarget { Name = "receiver", ContainerName = "main" },
        });
        var done = await cluster.WaitForRestoreAsync("into-receiver", r => r.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        var call = Assert.Single(cluster.Agents["node-2"].Engine.RestoreCalls);
        Assert.Equal(target.Status.ContainerStatuses.Single(c => c.Name == "main").ContainerID["containerd://".Length..], call.Container.ContainerId);
    }

    [Theory]
    [InlineData("no-such-checkpoint", ConditionReasons.CheckpointNotFound)]
    public async Task Restore_Should_Fail_When_CheckpointIsMissing(string checkpoint, string reason)
    {
        // Act
        await cluster.CreateRestoreAsync("orphan", new RestoreSpec { CheckpointName = checkpoint, NewPod = new NewPodTarget() });
        var done = await cluster.WaitForRestoreAsync("orphan", r => r.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Failed, done.Status!.Phase);
        Assert.Equal(reason, done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Reason);
        Assert.Empty((await cluster.Client.CoreV1.ListNamespacedPodAsync(OperatorHarness.Ns, labelSelector: $"{CryoNames.RestoreLabel}=orphan")).Items);
        Assert.All(cluster.Agents.Values, a => Assert.Empty(a.Engine.RestoreCalls));
    }

    [Fact]
    public async Task Restore_Should_Refuse_PodsSharingOnePidNamespace()
    {
        // Arrange
        var pod = await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "shared", "node-1");
        pod.Spec.ShareProcessNamespace = true;
        await cluster.Client.CoreV1.ReplaceNamespacedPodAsync(pod, "shared", OperatorHarness.Ns);

        // Act
        await cluster.CreateRestoreAsync("into-shared", new RestoreSpec { CheckpointName = "web-1", ExistingPod = new ExistingPodTarget { Name = "shared" } });
        var done = await cluster.WaitForRestoreAsync("into-shared", r => r.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(ConditionReasons.SharedProcessNamespace, done.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Ready).Reason);
        Assert.All(cluster.Agents.Values, a => Assert.Empty(a.Engine.RestoreCalls));
    }
}
