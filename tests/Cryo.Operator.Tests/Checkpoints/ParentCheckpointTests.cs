namespace Cryo.Operator.Tests.Checkpoints;

/// <summary>
/// Checkpoints that name a parent (incremental chains): the parent must exist and have Succeeded and be of the same
/// container; <c>auto</c> picks the newest such; status says what the increment stored and its chain; a parent's
/// deletion waits for its children. An agent of the previous release refused parents without memory tracking.
/// </summary>
public sealed class ParentCheckpointTests : IAsyncLifetime
{
    private const string Node = "node-1";
    private OperatorHarness cluster = null!;

    public async Task InitializeAsync()
    {
        cluster = await OperatorHarness.StartAsync(Node);
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", Node);
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    private FakeAgentEngine Agent => cluster.Agents[Node].Engine;

    [Fact]
    public async Task Checkpoint_Should_FailSayingWhyTheNodeCannot_When_ItsAgentPredatesContentBasedIncrementsAndTheNodeLacksMemoryTracking()
    {
        // Arrange
        Agent.RefusesIncrements = true;
        await cluster.StartOperatorAsync();
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "the parent succeeded");

        // Act
        var child = await cluster.CreateCheckpointAsync("web-2", new CheckpointSpec { PodName = "web", ParentCheckpoint = "web-1" });
        var done = await cluster.WaitForCheckpointAsync("web-2", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert: a terminal failure naming the node, the missing feature and the kernel option; no full dump instead.
        Assert.Equal(Phase.Failed, done.Status!.Phase);
        ConditionAssert.Is(done.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.IncrementalNotSupported);
        Assert.Contains($"node {Node}", done.Status.Message);
        Assert.Contains("mem_dirty_track", done.Status.Message);
        Assert.Contains("CONFIG_MEM_SOFT_DIRTY", done.Status.Message);
        Assert.Equal(1, Agent.Dumps);
        Assert.Equal("web-1", Assert.Single(Agent.CheckpointCalls, c => c.OperationId == child.Metadata.Uid).ParentCheckpoint);
        var warning = await cluster.WaitForEventAsync("web-2", e => e.Type == "Warning", "warning");
        Assert.Contains(ConditionReasons.IncrementalNotSupported, warning.Message);
    }

    [Theory]
    [InlineData("nosuch", "parent Checkpoint apps/nosuch does not exist")]
    [InlineData("broken", "parent Checkpoint apps/broken failed")]
    public async Task Checkpoint_Should_FailWithParentNotReady_And_NoAgentCall_When_ParentIsMissingOrFailed(string parent, string message)
    {
        // Arrange: "broken" is a Checkpoint of a pod that does not exist, so it failed.
        await cluster.StartOperatorAsync();
        await cluster.CreateCheckpointAsync("broken", new CheckpointSpec { PodName = "nobody" });
        await cluster.WaitForCheckpointAsync("broken", c => c.Status?.Phase == Phase.Failed, "failed");

        // Act
        await cluster.CreateCheckpointAsync("child", new CheckpointSpec { PodName = "web", ParentCheckpoint = parent });
        var done = await cluster.WaitForCheckpointAsync("child", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Failed, done.Status!.Phase);
        ConditionAssert.Is(done.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.ParentNotReady);
        Assert.Equal(message, done.Status.Message);
        Assert.Equal(ConditionReasons.ParentNotReady, done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Validated).Reason);
        Assert.Empty(Agent.CheckpointCalls);
    }

    [Fact]
    public async Task Checkpoint_Should_FailWithParentMismatch_And_NoAgentCall_When_ParentIsOfAnotherPod()
    {
        // Arrange
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "db", Node);
        await cluster.StartOperatorAsync();
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "the would-be parent succeeded");

        // Act
        var child = await cluster.CreateCheckpointAsync("db-2", new CheckpointSpec { PodName = "db", ParentCheckpoint = "web-1" });
        var done = await cluster.WaitForCheckpointAsync("db-2", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Failed, done.Status!.Phase);
        ConditionAssert.Is(done.Status.Conditions, ConditionTypes.Ready, ConditionStatus.False, ConditionReasons.ParentMismatch);
        Assert.StartsWith("parent Checkpoint apps/web-1 is of pod apps/web", done.Status.Message);
        Assert.Contains("not of container app of pod apps/db", done.Status.Message);
        Assert.DoesNotContain(Agent.CheckpointCalls, c => c.OperationId == child.Metadata.Uid);
    }

    [Fact]
    public async Task Checkpoint_Should_WaitForAParentStillRunning_And_GoOnAsSoonAsItSucceeds()
    {
        // Arrange: the parent's dump is held in flight; backoff and resync are far longer than the test may take,
        // so only the parent's change of phase can wake the child.
        Agent.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var operatorApp = await cluster.StartOperatorAsync(settings: new Dictionary<string, string?>
        {
            ["Operator:BackoffBase"] = "00:02:00",
            ["Operator:BackoffMax"] = "00:05:00",
            ["Operator:ResyncPeriod"] = "00:10:00",
        });
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Running, "the parent is being dumped");

        // Act
        var child = await cluster.CreateCheckpointAsync("web-2", new CheckpointSpec { PodName = "web", ParentCheckpoint = "web-1" });
        var waiting = await cluster.WaitForCheckpointAsync("web-2",
            c => c.Status?.Conditions?.Any(x => x is { Type: ConditionTypes.Validated, Reason: ConditionReasons.ParentNotReady }) == true, "waiting for its parent");
        // Its second pass (woken by its own finalizer) has ended in a retry too (writing nothing new): from here it sits
        // in backoff. The parent's passes meanwhile asked to continue, then hold in the agent: the retries are the child's.
        var retries = operatorApp.Services.GetRequiredService<OperatorMetrics>().Reconciles.WithLabels(Checkpoint.KindName, "retry");
        await Eventually.TrueAsync(() => retries.Value >= 2, "the child has been reconciled twice");
        var callsWhileWaiting = Agent.CheckpointCalls.Count(c => c.OperationId == child.Metadata.Uid);
        Agent.Hold.SetResult();
        var done = await cluster.WaitForCheckpointAsync("web-2", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Pending, waiting.Status!.Phase);
        Assert.Equal("parent Checkpoint apps/web-1 has not succeeded yet", waiting.Status.Message);
        Assert.Equal(0, callsWhileWaiting);
        Assert.Equal(Phase.Succeeded, done.Status!.Phase);
        Assert.Equal("web-1", Assert.Single(Agent.CheckpointCalls, c => c.OperationId == child.Metadata.Uid).ParentCheckpoint);
    }

    [Fact]
    public async Task Checkpoint_Should_RecordWhatItStoredAndItsChain_When_AutoPicksTheNewestSucceededCheckpointOfTheContainer()
    {
        // Arrange: web-1 is a full checkpoint; "other" is of another pod, newer, and must not be chosen.
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "other", Node);
        var operatorApp = await cluster.StartOperatorAsync();
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "the first succeeded");
        await cluster.CreateCheckpointAsync("other-1", new CheckpointSpec { PodName = "other" });
        await cluster.WaitForCheckpointAsync("other-1", c => c.Status?.Phase == Phase.Succeeded, "the other pod's succeeded");

        // Act
        await cluster.CreateCheckpointAsync("web-2", new CheckpointSpec { PodName = "web", ParentCheckpoint = CheckpointSpec.AutoParent });
        var second = await cluster.WaitForCheckpointAsync("web-2", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "the second finished");
        await cluster.CreateCheckpointAsync("web-3", new CheckpointSpec { PodName = "web", ParentCheckpoint = CheckpointSpec.AutoParent });
        var third = await cluster.WaitForCheckpointAsync("web-3", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "the third finished");
        var first = await cluster.WaitForCheckpointAsync("web-1", _ => true, "read");

        // Assert
        Assert.True(second.Status!.Phase == Phase.Succeeded, second.Status.Message);
        Assert.Equal((Phase.Succeeded, "web-1", 2), (second.Status!.Phase, second.Status.Parent, second.Status.ChainLength));
        Assert.True(third.Status!.Phase == Phase.Succeeded, third.Status.Message);
        Assert.Equal((Phase.Succeeded, "web-2", 3), (third.Status!.Phase, third.Status.Parent, third.Status.ChainLength));
        Assert.Equal("web-1", Assert.Single(Agent.CheckpointCalls, c => c.OperationId == second.Metadata.Uid).ParentCheckpoint);
        Assert.Equal((4096L, 409L), (second.Status.SizeBytes, second.Status.StoredBytes));
        Assert.Equal((4096L, 4096L, 1, null), (first.Status!.SizeBytes, first.Status.StoredBytes, first.Status.ChainLength, first.Status.Parent));
        Assert.Contains("409 of them stored as an increment of web-1", second.Status.Message);
        // The newest increment's flat copy is counted apart, and uncounted on its parent once a newer increment removed it.
        Assert.Equal((4096L, 4096L, null), (second.Status.FlatCopyBytes, third.Status.FlatCopyBytes, first.Status.FlatCopyBytes));
        await cluster.WaitForCheckpointAsync("web-2", c => c.Status?.FlatCopyBytes is null, "web-2's copy no longer counted once web-3 committed");
        // What the increments saved is counted: two full checkpoints (web-1, other-1) and two increments of 409 of 4096 bytes.
        var metrics = operatorApp.Services.GetRequiredService<OperatorMetrics>();
        Assert.Equal((8192d, 818d, 7374d),
            (metrics.CheckpointBytesStored.WithLabels("full").Value, metrics.CheckpointBytesStored.WithLabels("increment").Value, metrics.CheckpointBytesSaved.Value));
    }

    [Fact]
    public async Task Checkpoint_Should_BeFull_When_AutoFindsNoSucceededCheckpointOfTheContainer()
    {
        await cluster.StartOperatorAsync();

        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web", ParentCheckpoint = CheckpointSpec.AutoParent });
        var done = await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        Assert.Equal((Phase.Succeeded, null, 1, 4096L), (done.Status!.Phase, done.Status.Parent, done.Status.ChainLength, done.Status.StoredBytes));
        Assert.Equal("", Assert.Single(Agent.CheckpointCalls).ParentCheckpoint);
    }

    [Fact]
    public async Task Deleting_Should_WaitNamingTheChildren_When_IncrementsBuildOnTheCheckpoint_AndGoOnOnceTheyAreGone()
    {
        // Arrange
        await cluster.StartOperatorAsync();
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "the parent succeeded");
        await cluster.CreateCheckpointAsync("web-2", new CheckpointSpec { PodName = "web", ParentCheckpoint = CheckpointSpec.AutoParent });
        await cluster.WaitForCheckpointAsync("web-2", c => c.Status?.Phase == Phase.Succeeded, "the child succeeded");

        // Act
        await DeleteAsync("web-1");
        var held = await cluster.WaitForCheckpointAsync("web-1",
            c => c.Status?.Conditions?.Any(x => x.Type == ConditionTypes.DeletionBlocked) == true, "the deletion waits");
        var deletesWhileHeld = Agent.DeleteCalls.Count;
        await DeleteAsync("web-2");
        await Eventually.TrueAsync(async () => (await ListAsync()).Count == 0, "both are gone", TimeSpan.FromSeconds(8));

        // Assert: the parent's images were deleted only after the child's, and no earlier.
        var blocked = held.Status!.Conditions!.Single(x => x.Type == ConditionTypes.DeletionBlocked);
        Assert.Equal(("True", ConditionReasons.HeldByChildren), (blocked.Status, blocked.Reason));
        Assert.Contains("Checkpoints web-2 build on it", blocked.Message);
        Assert.Equal(0, deletesWhileHeld);
        Assert.Equal(["web-2", "web-1"], Agent.DeleteCalls.Select(d => d.Checkpoint.Name));
        await cluster.WaitForEventAsync("web-1", e => e.Reason == ConditionReasons.HeldByChildren, "held event");
    }

    private Task DeleteAsync(string name) =>
        cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Checkpoint.Plural, name);

    private async Task<IList<Checkpoint>> ListAsync() =>
        (await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync<CheckpointList>(CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Checkpoint.Plural)).Items;
}
