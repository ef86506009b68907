using Cryo.Contracts.Agent.V1;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Checkpoints;

/// <summary>Single passes of the Checkpoint reconciler: given these objects, this pass writes this status and asks for this.</summary>
public sealed class CheckpointPassTests : IAsyncLifetime
{
    private SinglePassHarness cluster = null!;

    public async Task InitializeAsync() => cluster = await SinglePassHarness.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Pass_Should_FailTheCheckpoint_WithoutAnAgentCall_When_ItsPodDoesNotExist_And_ASecondPassWritesNothing()
    {
        // Arrange
        var created = await cluster.CheckpointAsync("web-1", new CheckpointSpec { PodName = "nobody" });

        // Act
        var first = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        var failed = await cluster.GetCheckpointAsync("web-1");
        var second = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert: the finalizer, one status, one Warning; Done.
        Assert.Equal(ReconcileResult.Done, first.Result);
        Assert.Equal(["PATCH checkpoints/web-1", "PUT checkpoints/web-1/status", "POST events"], first.Writes);
        Assert.Equal([CryoNames.CheckpointImagesFinalizer], failed.Metadata.Finalizers);
        var status = failed.Status!;
        Assert.Equal((Phase.Failed, Now, created.Metadata.Generation), (status.Phase, status.CompletionTime, status.ObservedGeneration));
        Assert.Equal("pod apps/nobody does not exist", status.Message);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Validated, ConditionStatus.False, ConditionReasons.PodNotFound, created.Metadata.Generation);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.PodNotFound, created.Metadata.Generation);
        Assert.Equal(ConditionReasons.CheckpointFailed, Assert.Single(await cluster.EventsAsync("web-1")).Reason);
        Assert.Empty(cluster.Agent.CheckpointCalls);

        // Assert: the pass run again is harmless.
        Assert.Equal(ReconcileResult.Done, second.Result);
        Assert.Empty(second.Writes);
    }

    [Fact]
    public async Task Pass_Should_RecordWhatItCheckpoints_AndContinue_BeforeAnyAgentCall()
    {
        // Arrange
        var pod = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await cluster.CheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });

        // Act
        var pass = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        var running = await cluster.GetCheckpointAsync("web-1");

        // Assert
        Assert.Equal(ReconcileResult.Continue, pass.Result);
        Assert.Equal(["PATCH checkpoints/web-1", "PUT checkpoints/web-1/status", "POST events"], pass.Writes);
        var status = running.Status!;
        Assert.Equal((Phase.Running, Now), (status.Phase, status.StartTime));
        Assert.Equal((Node, pod.Metadata.Uid, pod.Status.ContainerStatuses[0].ContainerID), (status.NodeName, status.PodUid, status.ContainerId));
        Assert.Equal("registry.example/app:1", status.PodSpec!.Containers[0].Image);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Validated, ConditionStatus.True, ConditionReasons.Valid);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.CheckpointStarted);
        Assert.Empty(cluster.Agent.CheckpointCalls);
    }

    [Fact]
    public async Task Pass_Should_RecordTheAgentsResult_AndBeDone_When_TheAgentCheckpoints_And_ASecondPassWritesNothing()
    {
        // Arrange: the first pass recorded what is checkpointed.
        var pod = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        var created = await cluster.CheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Act
        var pass = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        var done = await cluster.GetCheckpointAsync("web-1");
        var again = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert: one agent call, for this container, under the Checkpoint's UID.
        Assert.Equal(ReconcileResult.Done, pass.Result);
        Assert.Equal(["PUT checkpoints/web-1/status", "POST events"], pass.Writes);
        var call = Assert.Single(cluster.Agent.CheckpointCalls);
        Assert.Equal(created.Metadata.Uid, call.OperationId);
        Assert.Equal(pod.Status.ContainerStatuses[0].ContainerID["containerd://".Length..], call.ContainerId);
        var status = done.Status!;
        Assert.Equal((Phase.Succeeded, Now, Now), (status.Phase, status.StartTime, status.CompletionTime));
        Assert.Equal(($"apps/web-1-{created.Metadata.Uid}", 4096L, "4.2.1"), (status.Location, status.SizeBytes, status.CriuVersion));
        Assert.Equal((3L, 20L, 30L), (status.Timings!.FreezeMilliseconds, status.Timings.DumpMilliseconds, status.Timings.TotalMilliseconds));
        ConditionAssert.Has(status.Conditions, ConditionTypes.AgentReachable, ConditionStatus.True, ConditionReasons.AgentAnswered);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.CheckpointSucceeded);

        // Assert: the pass run again is harmless.
        Assert.Equal(ReconcileResult.Done, again.Result);
        Assert.Empty(again.Writes);
        Assert.Single(cluster.Agent.CheckpointCalls);
    }

    [Fact]
    public async Task Pass_Should_SayTheAgentIsUnreachable_AndRetryWithBackoff_When_TheAgentIsUnavailable_And_ASecondPassWritesNothing()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await cluster.CheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.PassAsync(cluster.Checkpoints, "web-1");
        cluster.Agent.Failure = (agent, method) => new AgentUnavailableException(agent, method, new HttpRequestException("connection refused"));

        // Act
        var pass = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        var unreachable = await cluster.GetCheckpointAsync("web-1");
        var again = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert: a retry with backoff; the condition and one Warning say why.
        Assert.Equal(ReconcileResult.Retry, pass.Result);
        Assert.True(pass.Result.Backoff);
        Assert.Equal(["PUT checkpoints/web-1/status", "POST events"], pass.Writes);
        var status = unreachable.Status!;
        Assert.Equal(Phase.Running, status.Phase);
        Assert.EndsWith("connection refused; retrying with backoff", status.Message);
        ConditionAssert.Has(status.Conditions, ConditionTypes.AgentReachable, ConditionStatus.False, ConditionReasons.AgentUnavailable);
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.CheckpointStarted);
        Assert.Single(await cluster.EventsAsync("web-1"), e => e is { Type: "Warning", Reason: ConditionReasons.AgentUnavailable });

        // Assert: the next attempt retries again, and writes nothing new.
        Assert.Equal(ReconcileResult.Retry, again.Result);
        Assert.Empty(again.Writes);
        Assert.Equal(2, cluster.Agent.CheckpointCalls.Count);
    }

    [Fact]
    public async Task Pass_Should_FailAsIncrementalNotSupported_When_TheAgentLacksTheFeatureForAChain()
    {
        // Arrange: a Succeeded parent of the same container; the agent answers FEATURE_UNAVAILABLE.
        var pod = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await cluster.SucceededCheckpointAsync("web-1", pod);
        await cluster.CheckpointAsync("web-2", new CheckpointSpec { PodName = "web", ParentCheckpoint = "web-1" });
        await cluster.PassAsync(cluster.Checkpoints, "web-2");
        cluster.Agent.Refuse(ErrorReason.FeatureUnavailable, "feature mem_dirty_track is not available on this node");

        // Act
        var pass = await cluster.PassAsync(cluster.Checkpoints, "web-2");
        var failed = await cluster.GetCheckpointAsync("web-2");

        // Assert
        Assert.Equal(ReconcileResult.Done, pass.Result);
        Assert.Equal("web-1", Assert.Single(cluster.Agent.CheckpointCalls).ParentCheckpoint);
        Assert.Equal(Phase.Failed, failed.Status!.Phase);
        Assert.Contains("FailedPrecondition (FEATURE_UNAVAILABLE): feature mem_dirty_track", failed.Status.Message);
        ConditionAssert.Has(failed.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.IncrementalNotSupported);
        ConditionAssert.Has(failed.Status.Conditions, ConditionTypes.Validated, ConditionStatus.True, ConditionReasons.Valid);
    }
}
