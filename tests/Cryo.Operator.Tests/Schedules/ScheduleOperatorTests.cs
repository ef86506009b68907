namespace Cryo.Operator.Tests.Schedules;

/// <summary>
/// CheckpointSchedules and TTLs through the whole operator (watches, queues, the in-process agent) on a clock the test
/// moves: the operator requeues at the next run, and the test's Advance is what brings it.
/// </summary>
public sealed class ScheduleOperatorTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualClock clock = new(Start);
    private OperatorHarness cluster = null!;

    public async Task InitializeAsync()
    {
        cluster = await OperatorHarness.StartAsync(clock, "node-1");
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", "node-1");
        await cluster.StartOperatorAsync();
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Schedule_Should_CheckpointAtEachRun_AndKeepOnlyItsHistory_WithoutPolling()
    {
        // Arrange: every hour, keeping two.
        await cluster.CreateScheduleAsync("hourly", new CheckpointScheduleSpec { PodName = "web", Every = "1h", SuccessfulCheckpointsHistoryLimit = 2 });

        // Act: four runs; each comes when the clock reaches it.
        for (var run = 1; run <= 4; run++)
        {
            var due = Start.AddHours(run);
            await cluster.WaitForScheduleAsync("hourly", s => s.Status?.NextScheduleTime == due.UtcDateTime && s.Status.Active is null, $"waiting for run {run}");
            await Eventually.TrueAsync(() => clock.PendingTimers > 0, "the requeue at the next run");
            Assert.DoesNotContain(await cluster.ListCheckpointsAsync(), c => c.Metadata.Name == $"hourly-{due.ToUnixTimeSeconds()}");
            clock.AdvanceTo(due);
            await Eventually.TrueAsync(async () => (await cluster.ListCheckpointsAsync()).Any(c => c.Metadata.Name == $"hourly-{due.ToUnixTimeSeconds()}" && c.Status?.Phase == Phase.Succeeded),
                $"run {run} succeeded");
        }

        // Assert: the two newest are kept; the schedule says which succeeded last.
        var last = $"hourly-{Start.AddHours(4).ToUnixTimeSeconds()}";
        var schedule = await cluster.WaitForScheduleAsync("hourly", s => s.Status?.LastSuccessfulCheckpoint == last, "the last success recorded");
        await Eventually.TrueAsync(async () => (await cluster.ListCheckpointsAsync($"{CryoNames.ScheduleLabel}=hourly")).Count == 2, "pruned to two");
        Assert.Equal(
            [$"hourly-{Start.AddHours(3).ToUnixTimeSeconds()}", last],
            (await cluster.ListCheckpointsAsync($"{CryoNames.ScheduleLabel}=hourly")).Select(c => c.Metadata.Name).Order());
        Assert.Equal(Start.AddHours(4).UtcDateTime, schedule.Status!.LastScheduleTime);
        Assert.Equal(4, cluster.Agents["node-1"].Engine.CheckpointCalls.Count);
    }

    [Fact]
    public async Task Checkpoint_Should_BeDeletedWithItsImages_WhenItsTtlRunsOut()
    {
        // Arrange
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web", TtlSecondsAfterFinished = 600 });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "succeeded");
        await Eventually.TrueAsync(() => clock.PendingTimers > 0, "the requeue at the expiry");

        // Act
        clock.Advance(TimeSpan.FromSeconds(599));
        var stillThere = await cluster.GetCheckpointAsync("web-1");
        clock.Advance(TimeSpan.FromSeconds(1));

        // Assert
        Assert.Null(stillThere.Metadata.DeletionTimestamp);
        await Eventually.TrueAsync(async () => (await cluster.ListCheckpointsAsync()).Count == 0, "the Checkpoint is gone");
        Assert.Contains(cluster.Agents["node-1"].Engine.DeleteCalls, d => d.Checkpoint.Name == "web-1");
    }
}
