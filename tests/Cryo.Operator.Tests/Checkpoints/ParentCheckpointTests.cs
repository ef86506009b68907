using Cryo.Api;
using Cryo.Operator.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Cryo.Operator.Tests.Checkpoints;

/// <summary>
/// Checkpoints that name a parent (incremental chains): the parent must exist and have Succeeded, and the
/// node must track dirty memory, which this machine's kernel (and the fake agent by default) cannot.
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
    public async Task Checkpoint_Should_FailSayingWhyTheNodeCannot_When_ItNamesAParentOnANodeWithoutMemoryTracking()
    {
        // Arrange
        await cluster.StartOperatorAsync();
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "the parent succeeded");

        // Act
        var child = await cluster.CreateCheckpointAsync("web-2", new CheckpointSpec { PodName = "web", ParentCheckpoint = "web-1" });
        var done = await cluster.WaitForCheckpointAsync("web-2", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert: a terminal failure naming the node, the missing feature and the kernel option; no full dump instead.
        Assert.Equal(Phase.Failed, done.Status!.Phase);
        var ready = done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Ready);
        Assert.Equal(("False", ConditionReasons.IncrementalNotSupported), (ready.Status, ready.Reason));
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
        var ready = done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Ready);
        Assert.Equal(("False", ConditionReasons.ParentNotReady), (ready.Status, ready.Reason));
        Assert.Equal(message, done.Status.Message);
        Assert.Equal(ConditionReasons.ParentNotReady, done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Validated).Reason);
        Assert.Empty(Agent.CheckpointCalls);
    }

    [Fact]
    public async Task Checkpoint_Should_FailWithParentMismatch_And_NoAgentCall_When_ParentIsOfAnotherPod()
    {
        // Arrange
        Agent.MemoryTracking = true;
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "db", Node);
        await cluster.StartOperatorAsync();
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "the would-be parent succeeded");

        // Act
        var child = await cluster.CreateCheckpointAsync("db-2", new CheckpointSpec { PodName = "db", ParentCheckpoint = "web-1" });
        var done = await cluster.WaitForCheckpointAsync("db-2", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.Equal(Phase.Failed, done.Status!.Phase);
        var ready = done.Status.Conditions!.Single(c => c.Type == ConditionTypes.Ready);
        Assert.Equal(("False", ConditionReasons.ParentMismatch), (ready.Status, ready.Reason));
        Assert.StartsWith("parent Checkpoint apps/web-1 is of pod apps/web", done.Status.Message);
        Assert.Contains("not of container app of pod apps/db", done.Status.Message);
        Assert.DoesNotContain(Agent.CheckpointCalls, c => c.OperationId == child.Metadata.Uid);
    }

    [Fact]
    public async Task Checkpoint_Should_WaitForAParentStillRunning_And_GoOnAsSoonAsItSucceeds()
    {
        // Arrange: the parent's dump is held in flight; backoff and resync are far longer than the test may take,
        // so only the parent's change of phase can wake the child.
        Agent.MemoryTracking = true;
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
}
