using Cryo.Contracts.Agent.V1;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Checkpoints;

/// <summary>A checkpoint that leaves its node's store at or past the alarm warns, with the figures and what to do.</summary>
public sealed class StoreCapacityAlarmTests : IAsyncLifetime
{
    private const long Gib = 1024L * 1024 * 1024;
    private SinglePassHarness cluster = null!;

    public async Task InitializeAsync() => cluster = await SinglePassHarness.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Checkpoint_Should_WarnThatTheStoreIsNearlyFull_When_TheAgentReportsItPastTheAlarm()
    {
        // Arrange: 50 GiB, 8 GiB left (84 % used); the alarm is at the default 80 %.
        cluster.Agent.StoreSpace = new StoreSpace { CapacityBytes = 50 * Gib, AvailableBytes = 8 * Gib };

        // Act
        var checkpoint = await CheckpointAsync();

        // Assert: it succeeded, and says how full the store is and what to do, once.
        Assert.Equal(Phase.Succeeded, checkpoint.Status!.Phase);
        var warning = Assert.Single(await cluster.EventsAsync("web-1"), e => e.Reason == ConditionReasons.StoreNearlyFull);
        Assert.Equal("Warning", warning.Type);
        Assert.Equal($"the checkpoint store on node {Node} is 84% full (42.0 GiB used of 50.0 GiB, alarm at 80%): "
            + "delete Checkpoints you no longer need, set ttlSecondsAfterFinished or a CheckpointSchedule's history limits, or grow the volume",
            warning.Message);
        Assert.Equal(0.84, cluster.Metrics.StoreUsedRatio.WithLabels(Node).Value, 3);
    }

    [Fact]
    public async Task Checkpoint_Should_OnlySetTheMetric_When_TheStoreIsBelowTheAlarm()
    {
        // Arrange: 79 % used.
        cluster.Agent.StoreSpace = new StoreSpace { CapacityBytes = 100 * Gib, AvailableBytes = 21 * Gib };

        // Act
        await CheckpointAsync();

        // Assert
        Assert.DoesNotContain(await cluster.EventsAsync("web-1"), e => e.Reason == ConditionReasons.StoreNearlyFull);
        Assert.Equal(0.79, cluster.Metrics.StoreUsedRatio.WithLabels(Node).Value, 3);
    }

    [Fact]
    public async Task Checkpoint_Should_NotWarn_When_TheAlarmIsOff()
    {
        // Arrange: full to the last byte, but the alarm is switched off.
        cluster.Settings.StoreCapacityAlarmPercent = 0;
        cluster.Agent.StoreSpace = new StoreSpace { CapacityBytes = 10 * Gib, AvailableBytes = 0 };

        // Act
        await CheckpointAsync();

        // Assert
        Assert.DoesNotContain(await cluster.EventsAsync("web-1"), e => e.Reason == ConditionReasons.StoreNearlyFull);
        Assert.Equal(1.0, cluster.Metrics.StoreUsedRatio.WithLabels(Node).Value, 3);
    }

    [Fact]
    public async Task Checkpoint_Should_NeitherWarnNorGuess_When_TheAgentDoesNotReportItsStore()
    {
        // Arrange: an older agent says nothing about its store.
        cluster.Agent.StoreSpace = null;

        // Act
        await CheckpointAsync();

        // Assert
        Assert.DoesNotContain(await cluster.EventsAsync("web-1"), e => e.Reason == ConditionReasons.StoreNearlyFull);
        Assert.DoesNotContain(Node, cluster.Metrics.StoreUsedRatio.GetAllLabelValues().SelectMany(l => l));
    }

    private async Task<Checkpoint> CheckpointAsync()
    {
        await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
        await cluster.CheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.PassAsync(cluster.Checkpoints, "web-1");
        await cluster.PassAsync(cluster.Checkpoints, "web-1");
        return await cluster.GetCheckpointAsync("web-1");
    }
}
