using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Evictions;

/// <summary>Single passes of the eviction reconciler over pods deleted with a grace period, as an eviction or a drain deletes them.</summary>
public sealed class EvictionPassTests : IAsyncLifetime
{
    private SinglePassHarness cluster = null!;

    public async Task InitializeAsync() => cluster = await SinglePassHarness.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    private async Task<V1Pod> RunAnnotatedPodAsync(string name, Dictionary<string, string> annotations, params string[] containers)
    {
        var pod = await cluster.Kubelet.RunPodAsync(Ns, name, Node, spec => spec.TerminationGracePeriodSeconds = 60, containers);
        var patch = new { metadata = new { annotations } };
        return await cluster.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(KubernetesJson.Serialize(patch), V1Patch.PatchType.MergePatch), name, Ns);
    }

    [Fact]
    public async Task Pass_Should_CheckpointTheContainerOnce_AndSaySoOnThePod_When_AnAnnotatedPodIsBeingDeleted()
    {
        // Arrange: a pod of two containers that asks for a checkpoint of one, deleted with its 60 s grace period.
        var pod = await RunAnnotatedPodAsync("job", new()
        {
            [CryoNames.CheckpointOnEvictionAnnotation] = "true",
            [CryoNames.EvictionContainerAnnotation] = "worker",
            [CryoNames.EvictionNamePrefixAnnotation] = "job-drained",
        }, "worker", "sidecar");
        await cluster.Client.CoreV1.DeleteNamespacedPodAsync("job", Ns);

        // Act
        var first = await cluster.PassAsync(cluster.Evictions, "job");
        var second = await cluster.PassAsync(cluster.Evictions, "job");

        // Assert: the pod is still there, terminating; one Checkpoint of its container, leaving it running.
        var terminating = await cluster.GetPodAsync("job");
        Assert.Equal(60, terminating.Metadata.DeletionGracePeriodSeconds);
        Assert.Equal(ReconcileResult.Done, first.Result);
        Assert.Equal(["POST checkpoints", "POST events"], first.Writes);
        Assert.Empty(second.Writes);
        var checkpoint = Assert.Single(await cluster.CheckpointsAsync());
        Assert.Equal($"job-drained-{pod.Metadata.Uid.Replace("-", "")[..8]}", checkpoint.Metadata.Name);
        Assert.Equal(("job", "worker", true), (checkpoint.Spec.PodName, checkpoint.Spec.ContainerName, checkpoint.Spec.LeaveRunning));
        Assert.Equal("eviction", checkpoint.Metadata.Labels[CryoNames.TriggerLabel]);
        Assert.Null(checkpoint.Metadata.OwnerReferences); // the pod is going: an owner reference would take the Checkpoint with it
        var seen = Assert.Single(await cluster.EventsAsync("job"));
        Assert.Equal((ConditionReasons.CheckpointOnEviction, "Pod"), (seen.Reason, seen.InvolvedObject.Kind));
        Assert.Contains($"created Checkpoint {checkpoint.Metadata.Name} of container worker", seen.Message, StringComparison.Ordinal);
        Assert.Contains("the pod's grace period ends at 2025-06-01T12:01:00Z", seen.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pass_Should_DoNothing_When_ThePodIsNotAnnotated_OrNotBeingDeleted_OrGone()
    {
        // Arrange
        await RunAnnotatedPodAsync("plain", new() { ["team"] = "a" });
        await cluster.Client.CoreV1.DeleteNamespacedPodAsync("plain", Ns);
        await RunAnnotatedPodAsync("running", new() { [CryoNames.CheckpointOnEvictionAnnotation] = "true" });

        // Act
        var plain = await cluster.PassAsync(cluster.Evictions, "plain");
        var running = await cluster.PassAsync(cluster.Evictions, "running");
        var gone = await cluster.PassAsync(cluster.Evictions, "nobody");

        // Assert
        Assert.All(new[] { plain, running, gone }, p => Assert.Empty(p.Writes));
        Assert.Empty(await cluster.CheckpointsAsync());
    }

    [Fact]
    public async Task Pass_Should_CheckpointTheNewPod_When_APodOfTheSameNameComesBackAndGoesAgain()
    {
        // Arrange: the first pod's Checkpoint exists; a new pod of that name (another UID) is deleted too.
        await RunAnnotatedPodAsync("job", new() { [CryoNames.CheckpointOnEvictionAnnotation] = "true" });
        await cluster.Client.CoreV1.DeleteNamespacedPodAsync("job", Ns);
        await cluster.PassAsync(cluster.Evictions, "job");
        await cluster.Kubelet.FinishTerminationAsync(Ns, "job");
        await RunAnnotatedPodAsync("job", new() { [CryoNames.CheckpointOnEvictionAnnotation] = "true" });
        await cluster.Client.CoreV1.DeleteNamespacedPodAsync("job", Ns);

        // Act
        await cluster.PassAsync(cluster.Evictions, "job");

        // Assert
        Assert.Equal(2, (await cluster.CheckpointsAsync()).Count);
    }
}
