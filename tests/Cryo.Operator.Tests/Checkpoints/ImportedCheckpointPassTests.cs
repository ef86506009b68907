using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Checkpoints;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Checkpoints;

/// <summary>
/// Single passes over an imported Checkpoint (spec.import): its pod does not exist, no agent dumps anything; it waits
/// for the archive kubectl cryo import puts into the node's store, and a Restore builds a pod from what it holds.
/// </summary>
public sealed class ImportedCheckpointPassTests : IAsyncLifetime
{
    private static readonly CheckpointSpec Imported = new() { PodName = "gone-0", Import = new CheckpointImport { NodeName = Node } };

    private SinglePassHarness cluster = null!;

    public async Task InitializeAsync() => cluster = await SinglePassHarness.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Pass_Should_WaitForTheArchive_ThenRecordWhatTheAgentHolds_When_ItsPodIsGone()
    {
        // Arrange
        var created = await cluster.CheckpointAsync("imported", Imported);

        // Act: the first pass records that it waits; the second finds no archive yet; the third finds it.
        var first = await cluster.PassAsync(cluster.Checkpoints, "imported");
        var waiting = await cluster.GetCheckpointAsync("imported");
        var second = await cluster.PassAsync(cluster.Checkpoints, "imported");
        cluster.Agent.Stored[$"{Ns}/imported"] = Details(created.Metadata.Uid);
        var third = await cluster.PassAsync(cluster.Checkpoints, "imported");
        var done = await cluster.GetCheckpointAsync("imported");
        var fourth = await cluster.PassAsync(cluster.Checkpoints, "imported");

        // Assert: waiting is phase Running on the import's node (so a deletion meanwhile deletes what arrived), without a pod.
        Assert.Equal(ReconcileResult.Continue, first.Result);
        Assert.Equal((Phase.Running, Node, Now), (waiting.Status!.Phase, waiting.Status.NodeName, waiting.Status.StartTime));
        ConditionAssert.Has(waiting.Status.Conditions, ConditionTypes.Ready, ConditionStatus.Unknown, ConditionReasons.AwaitingArchive);
        Assert.Equal(ReconcileResult.After(CheckpointImports.CheckInterval), second.Result);
        Assert.Empty(second.Writes);

        // Assert: what the agent holds under the Checkpoint's UID, and a pod spec of the archive's image and container.
        Assert.Equal(ReconcileResult.Done, third.Result);
        var status = done.Status!;
        Assert.Equal((Phase.Succeeded, $"{Ns}/imported-{created.Metadata.Uid}", 8192L, "4.2.1"), (status.Phase, status.Location, status.SizeBytes, status.CriuVersion));
        var container = Assert.Single(status.PodSpec!.Containers);
        Assert.Equal(("counter", "quay.io/example/counter:1"), (container.Name, container.Image));
        ConditionAssert.Has(status.Conditions, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.CheckpointImported);
        Assert.Contains(await cluster.EventsAsync("imported"), e => e.Reason == ConditionReasons.CheckpointImported);
        Assert.Empty(cluster.Agent.CheckpointCalls);
        Assert.Empty(fourth.Writes);
    }

    [Fact]
    public async Task Restore_Should_CreateAPodOfTheArchivesImage_When_ItsCheckpointWasImported()
    {
        // Arrange
        var created = await cluster.CheckpointAsync("imported", Imported);
        cluster.Agent.Stored[$"{Ns}/imported"] = Details(created.Metadata.Uid);
        await cluster.PassAsync(cluster.Checkpoints, "imported");
        await cluster.PassAsync(cluster.Checkpoints, "imported");
        await cluster.RestoreAsync("copy-1", new RestoreSpec { CheckpointName = "imported", NewPod = new NewPodTarget { NodeName = Node } });

        // Act
        await cluster.PassAsync(cluster.Restores, "copy-1");
        var pod = await cluster.GetPodAsync("copy-1");

        // Assert
        Assert.Contains(pod.Spec.Containers, c => c.Name == "counter" && c.Image == "quay.io/example/counter:1");
        Assert.Equal(Node, pod.Spec.NodeName);
    }

    [Fact]
    public async Task Pass_Should_FailSayingNoArchiveArrived_When_TheTimeoutPassesWithoutIt()
    {
        // Arrange
        await cluster.CheckpointAsync("imported", new CheckpointSpec { PodName = "gone-0", Import = Imported.Import, TimeoutSeconds = 60 });
        await cluster.PassAsync(cluster.Checkpoints, "imported");
        cluster.Clock.Advance(TimeSpan.FromSeconds(61));

        // Act
        var pass = await cluster.PassAsync(cluster.Checkpoints, "imported");
        var failed = await cluster.GetCheckpointAsync("imported");

        // Assert
        Assert.Equal(ReconcileResult.Done, pass.Result);
        Assert.Equal(Phase.Failed, failed.Status!.Phase);
        Assert.Contains("no checkpoint archive arrived on node node-1 within 60 s", failed.Status.Message, StringComparison.Ordinal);
        Assert.Contains(failed.Status.Conditions!, c => c.Type == ConditionTypes.Ready && c.Status == ConditionStatus.False && c.Reason == ConditionReasons.ArchiveNotReceived);
    }

    [Fact]
    public async Task Pass_Should_Fail_When_TheAgentHoldsACheckpointOfThatNameMadeForAnotherObject()
    {
        // Arrange
        await cluster.CheckpointAsync("imported", Imported);
        await cluster.PassAsync(cluster.Checkpoints, "imported");
        cluster.Agent.Stored[$"{Ns}/imported"] = Details("someone-else");

        // Act
        await cluster.PassAsync(cluster.Checkpoints, "imported");
        var failed = await cluster.GetCheckpointAsync("imported");

        // Assert
        Assert.Equal(Phase.Failed, failed.Status!.Phase);
        Assert.Contains("made for another object (UID someone-else", failed.Status.Message, StringComparison.Ordinal);
    }

    private static CheckpointDetails Details(string uid) => new()
    {
        Summary = new CheckpointSummary
        {
            Checkpoint = new CheckpointRef { Namespace = Ns, Name = "imported" },
            Location = $"{Ns}/imported-{uid}",
            SizeBytes = 8192,
            NodeName = Node,
            CriuVersion = "4.2.1",
            OperationId = uid,
            ProcessCount = 2,
            Pod = new PodMetadata { PodName = "counter-0", ContainerName = "counter", Image = "quay.io/example/counter:1" },
        },
    };
}
