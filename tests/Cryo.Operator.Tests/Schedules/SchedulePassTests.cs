using Cryo.Operator.Schedules;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Schedules;

/// <summary>
/// Single passes of the CheckpointSchedule reconciler on a clock the test moves: when runs start, what they create, what
/// the concurrency policies do, what is pruned and what is kept.
/// </summary>
public sealed class SchedulePassTests : IAsyncLifetime
{
    private SinglePassHarness cluster = null!;

    public async Task InitializeAsync()
    {
        cluster = await SinglePassHarness.StartAsync();
        await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    private static DateTimeOffset At(int hour, int minute = 0, int second = 0) => new DateTimeOffset(Now).AddHours(hour - 12).AddMinutes(minute).AddSeconds(second);

    private static string NameAt(string schedule, DateTimeOffset run) => $"{schedule}-{run.ToUnixTimeSeconds()}";

    [Fact]
    public async Task Pass_Should_StartNothing_And_RequeueAtTheFirstRun_When_ItIsNotDueYet()
    {
        // Arrange: created at 12:00; runs on the hour.
        await cluster.ScheduleAsync("hourly", new CheckpointScheduleSpec { PodName = "web", Schedule = "0 * * * *" });

        // Act
        var pass = await cluster.PassAsync(cluster.Schedules, "hourly");
        var schedule = await cluster.GetScheduleAsync("hourly");

        // Assert
        Assert.Equal(ReconcileResult.After(TimeSpan.FromHours(1)), pass.Result);
        Assert.Equal(["PUT checkpointschedules/hourly/status"], pass.Writes);
        Assert.Empty(await cluster.CheckpointsAsync());
        Assert.Equal(At(13).UtcDateTime, schedule.Status!.NextScheduleTime);
        Assert.Null(schedule.Status.LastScheduleTime);
        ConditionAssert.Has(schedule.Status.Conditions, ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.Scheduled);
    }

    [Fact]
    public async Task Pass_Should_CreateTheRunsCheckpoint_Once_OwnedLabelledAndFromTheTemplate_When_ARunIsDue()
    {
        // Arrange
        var created = await cluster.ScheduleAsync("hourly", new CheckpointScheduleSpec
        {
            PodName = "web",
            ContainerName = "app",
            Schedule = "0 * * * *",
            CheckpointTemplate = new CheckpointTemplate { TcpEstablished = true, TimeoutSeconds = 60, LeaveRunning = true },
        });
        cluster.Clock.AdvanceTo(At(13, 0, 5));

        // Act
        var first = await cluster.PassAsync(cluster.Schedules, "hourly");
        var second = await cluster.PassAsync(cluster.Schedules, "hourly");

        // Assert: one Checkpoint, named after the run; the pass requeues at the next one.
        var checkpoint = Assert.Single(await cluster.CheckpointsAsync());
        Assert.Equal(NameAt("hourly", At(13)), checkpoint.Metadata.Name);
        Assert.Equal(["POST checkpoints", "POST events", "PUT checkpointschedules/hourly/status"], first.Writes);
        Assert.Equal(ReconcileResult.After(At(14) - At(13, 0, 5)), first.Result);
        Assert.Empty(second.Writes);
        var owner = Assert.Single(checkpoint.Metadata.OwnerReferences);
        Assert.Equal((CheckpointSchedule.KindName, "hourly", created.Metadata.Uid, true, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
        Assert.Equal("hourly", checkpoint.Metadata.Labels[CryoNames.ScheduleLabel]);
        Assert.Equal("2025-06-01T13:00:00Z", checkpoint.Metadata.Annotations[CryoNames.ScheduledAtAnnotation]);
        Assert.Equal(("web", "app", true, 60, true), (checkpoint.Spec.PodName, checkpoint.Spec.ContainerName, checkpoint.Spec.TcpEstablished, checkpoint.Spec.TimeoutSeconds, checkpoint.Spec.LeaveRunning));
        var status = (await cluster.GetScheduleAsync("hourly")).Status!;
        Assert.Equal((At(13).UtcDateTime, At(14).UtcDateTime), (status.LastScheduleTime, status.NextScheduleTime));
        Assert.Equal([checkpoint.Metadata.Name], status.Active);
    }

    [Fact]
    public async Task Pass_Should_CreateIncrementalCompressedCheckpoints_When_TheTemplateAsksForAutoParentAndZstd()
    {
        // Arrange
        await cluster.ScheduleAsync("hourly", new CheckpointScheduleSpec
        {
            PodName = "web",
            Schedule = "0 * * * *",
            CheckpointTemplate = new CheckpointTemplate { ParentCheckpoint = CheckpointSpec.AutoParent, Compression = CheckpointCompression.Zstd },
        });
        cluster.Clock.AdvanceTo(At(13, 0, 5));

        // Act
        await cluster.PassAsync(cluster.Schedules, "hourly");

        // Assert
        var checkpoint = Assert.Single(await cluster.CheckpointsAsync());
        Assert.Equal((CheckpointSpec.AutoParent, CheckpointCompression.Zstd), (checkpoint.Spec.ParentCheckpoint, checkpoint.Spec.Compression));
    }

    [Fact]
    public async Task Pass_Should_MakeUpOnlyTheLatestMissedRun_And_SaySoInAWarning_When_TheOperatorWasAway()
    {
        // Arrange: runs at 13:00 to 17:00 went by without a pass.
        await cluster.ScheduleAsync("hourly", new CheckpointScheduleSpec { PodName = "web", Schedule = "0 * * * *" });
        cluster.Clock.AdvanceTo(At(17, 30));

        // Act
        await cluster.PassAsync(cluster.Schedules, "hourly");
        var again = await cluster.PassAsync(cluster.Schedules, "hourly");

        // Assert
        var checkpoint = Assert.Single(await cluster.CheckpointsAsync());
        Assert.Equal(NameAt("hourly", At(17)), checkpoint.Metadata.Name);
        Assert.DoesNotContain("POST checkpoints", again.Writes);
        var missed = Assert.Single(await cluster.EventsAsync("hourly"), e => e.Reason == ConditionReasons.MissedSchedule);
        Assert.Equal("Warning", missed.Type);
        Assert.Contains("4 earlier runs missed before the run of 2025-06-01T17:00:00Z", missed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pass_Should_SkipARunOlderThanTheStartingDeadline_And_RunTheNextOneOnTime()
    {
        // Arrange: the 13:00 run may start until 13:10.
        await cluster.ScheduleAsync("hourly", new CheckpointScheduleSpec { PodName = "web", Schedule = "0 * * * *", StartingDeadlineSeconds = 600 });
        cluster.Clock.AdvanceTo(At(13, 20));

        // Act
        var late = await cluster.PassAsync(cluster.Schedules, "hourly");
        var skipped = await cluster.GetScheduleAsync("hourly");
        cluster.Clock.AdvanceTo(At(14, 0, 30));
        await cluster.PassAsync(cluster.Schedules, "hourly");

        // Assert
        Assert.Equal(ReconcileResult.After(TimeSpan.FromMinutes(40)), late.Result);
        Assert.Contains("the run of 2025-06-01T13:00:00Z could not start within startingDeadlineSeconds (600); skipped", skipped.Status!.Message, StringComparison.Ordinal);
        Assert.Null(skipped.Status.LastScheduleTime);
        Assert.Equal([NameAt("hourly", At(14))], (await cluster.CheckpointsAsync()).Select(c => c.Metadata.Name));
    }

    [Fact]
    public async Task Forbid_Should_HoldTheRun_WhileACheckpointRuns_And_StartItOnceThatFinishes()
    {
        // Arrange: the 12:10 run's Checkpoint has not finished when the 12:20 one is due.
        await cluster.ScheduleAsync("often", new CheckpointScheduleSpec { PodName = "web", Every = "10m" });
        cluster.Clock.AdvanceTo(At(12, 10));
        await cluster.PassAsync(cluster.Schedules, "often");
        cluster.Clock.AdvanceTo(At(12, 20));

        // Act
        var held = await cluster.PassAsync(cluster.Schedules, "often");
        var waiting = await cluster.GetScheduleAsync("often");
        await cluster.FinishAsync(await cluster.GetCheckpointAsync(NameAt("often", At(12, 10))), Phase.Succeeded);
        cluster.Clock.AdvanceTo(At(12, 21));
        await cluster.PassAsync(cluster.Schedules, "often");

        // Assert
        Assert.DoesNotContain("POST checkpoints", held.Writes);
        Assert.Contains("the run of 2025-06-01T12:20:00Z waits for Checkpoint often-", waiting.Status!.Message, StringComparison.Ordinal);
        Assert.Contains(await cluster.EventsAsync("often"), e => e.Reason == ConditionReasons.RunWaiting);
        Assert.Equal([NameAt("often", At(12, 10)), NameAt("often", At(12, 20))], (await cluster.CheckpointsAsync()).Select(c => c.Metadata.Name).Order());
        var status = (await cluster.GetScheduleAsync("often")).Status!;
        Assert.Equal((NameAt("often", At(12, 10)), At(12, 20).UtcDateTime), (status.LastSuccessfulCheckpoint, status.LastScheduleTime));
    }

    [Fact]
    public async Task Replace_Should_DeleteTheUnfinishedCheckpoint_And_StartTheNewRun()
    {
        // Arrange
        await RunUnfinishedAtTheNextAsync(ConcurrencyPolicy.Replace);

        // Act
        await cluster.PassAsync(cluster.Schedules, "often");

        // Assert
        Assert.Equal([NameAt("often", At(12, 20))], (await cluster.CheckpointsAsync()).Select(c => c.Metadata.Name));
        Assert.Contains(await cluster.EventsAsync("often"), e => e.Reason == ConditionReasons.CheckpointReplaced && e.Message.Contains(NameAt("often", At(12, 10)), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Allow_Should_StartTheNewRun_BesideTheUnfinishedOne()
    {
        // Arrange
        await RunUnfinishedAtTheNextAsync(ConcurrencyPolicy.Allow);

        // Act
        await cluster.PassAsync(cluster.Schedules, "often");

        // Assert
        Assert.Equal(2, (await cluster.GetScheduleAsync("often")).Status!.Active!.Count);
    }

    [Fact]
    public async Task Suspend_Should_StartNoRun_And_OnResumeMakeUpOnlyTheLatest()
    {
        // Arrange
        await cluster.ScheduleAsync("hourly", new CheckpointScheduleSpec { PodName = "web", Schedule = "@hourly", Suspend = true });
        cluster.Clock.AdvanceTo(At(15, 30));

        // Act
        var suspended = await cluster.PassAsync(cluster.Schedules, "hourly");
        var status = (await cluster.GetScheduleAsync("hourly")).Status!;
        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync<CheckpointSchedule>(
            new V1Patch("""{"spec":{"suspend":false}}""", V1Patch.PatchType.MergePatch), CryoNames.Group, CryoNames.Version, Ns, CheckpointSchedule.Plural, "hourly");
        await cluster.PassAsync(cluster.Schedules, "hourly");

        // Assert
        Assert.Equal(ReconcileResult.Done, suspended.Result);
        Assert.Null(status.NextScheduleTime);
        Assert.Equal((ConditionStatus.False, ConditionReasons.Suspended), (status.Conditions![0].Status, status.Conditions[0].Reason));
        Assert.Equal([NameAt("hourly", At(15))], (await cluster.CheckpointsAsync()).Select(c => c.Metadata.Name));
    }

    [Fact]
    public async Task Selector_Should_CheckpointEachRunningPodItMatches_OncePerRun()
    {
        // Arrange: two running pods of the app, one not scheduled yet, one of another app.
        foreach (var name in new[] { "worker-a", "worker-b" })
        {
            await cluster.Kubelet.RunPodAsync(Ns, name, Node, spec => { }, "app");
            await cluster.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"tier":"worker"}}}""", V1Patch.PatchType.MergePatch), name, Ns);
        }

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "worker-c", Labels = new Dictionary<string, string> { ["tier"] = "worker" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "img" }] },
        }, Ns);
        await cluster.ScheduleAsync("workers", new CheckpointScheduleSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["tier"] = "worker" } },
            Every = "1h",
        });
        cluster.Clock.AdvanceTo(At(13));

        // Act
        await cluster.PassAsync(cluster.Schedules, "workers");
        await cluster.PassAsync(cluster.Schedules, "workers");

        // Assert
        var checkpoints = await cluster.CheckpointsAsync();
        Assert.Equal(["worker-a", "worker-b"], checkpoints.Select(c => c.Spec.PodName).Order());
        Assert.Equal(
            new[] { "worker-a", "worker-b" }.Select(p => ScheduledCheckpoints.Name(new CheckpointSchedule { Metadata = new V1ObjectMeta { Name = "workers" } }, At(13), p)).Order(),
            checkpoints.Select(c => c.Metadata.Name).Order());
        Assert.All(checkpoints, c => Assert.Matches($"^workers-{At(13).ToUnixTimeSeconds()}-[0-9a-f]{{8}}$", c.Metadata.Name));
    }

    [Fact]
    public async Task Selector_Should_RecordNoPodsMatched_When_NoRunningPodMatches()
    {
        // Arrange
        await cluster.ScheduleAsync("nobody", new CheckpointScheduleSpec
        {
            Selector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["ghost"] }] },
            Every = "1h",
        });
        cluster.Clock.AdvanceTo(At(13));

        // Act
        await cluster.PassAsync(cluster.Schedules, "nobody");

        // Assert
        Assert.Empty(await cluster.CheckpointsAsync());
        Assert.Equal(At(13).UtcDateTime, (await cluster.GetScheduleAsync("nobody")).Status!.LastScheduleTime);
        Assert.Contains(await cluster.EventsAsync("nobody"), e => e.Reason == ConditionReasons.NoPodsMatched && e.Message.Contains("tier in (ghost)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pruning_Should_DeleteTheOldestBeyondTheLimits_ButKeepWhatARestoreInProgressOrAChildStillNeeds()
    {
        // Arrange: seven runs, ten minutes apart: Succeeded, Failed, Succeeded, Succeeded, Failed, Succeeded, Succeeded.
        await cluster.ScheduleAsync("often", new CheckpointScheduleSpec { PodName = "web", Every = "10m", SuccessfulCheckpointsHistoryLimit = 2, FailedCheckpointsHistoryLimit = 1 });
        var phases = new[] { Phase.Succeeded, Phase.Failed, Phase.Succeeded, Phase.Succeeded, Phase.Failed, Phase.Succeeded, Phase.Succeeded };
        var names = Enumerable.Range(0, phases.Length).Select(i => NameAt("often", At(12, 10 * (i + 1)))).ToList();

        // Run 0 is being restored; run 2 has a child Checkpoint (an incremental one built on it).
        await cluster.RestoreAsync("in-progress", new RestoreSpec { CheckpointName = names[0], NewPod = new NewPodTarget() });
        await cluster.CheckpointAsync("child", new CheckpointSpec { PodName = "web", ParentCheckpoint = names[2] });
        for (var i = 0; i < phases.Length; i++)
        {
            cluster.Clock.AdvanceTo(At(12, 10 * (i + 1)));
            await cluster.PassAsync(cluster.Schedules, "often");
            await cluster.FinishAsync(await cluster.GetCheckpointAsync(names[i]), phases[i]);
        }

        // Act
        await cluster.PassAsync(cluster.Schedules, "often");

        // Assert: kept the two newest Succeeded (5, 6), the newest Failed (4), and 0 and 2 that are still needed.
        var left = (await cluster.CheckpointsAsync()).Where(c => c.Metadata.Name != "child").Select(c => c.Metadata.Name).Order().ToList();
        Assert.Equal(new[] { 0, 2, 4, 5, 6 }.Select(i => names[i]).Order(), left);
        var pruned = (await cluster.EventsAsync("often")).Where(e => e.Reason == ConditionReasons.CheckpointPruned).Select(e => e.Message).ToList();
        Assert.Contains(pruned, m => m.StartsWith($"deleted Failed Checkpoint {names[1]}", StringComparison.Ordinal));
        Assert.Contains(pruned, m => m.StartsWith($"deleted Succeeded Checkpoint {names[3]}: beyond the newest 2 Succeeded", StringComparison.Ordinal));
        Assert.Equal(names[6], (await cluster.GetScheduleAsync("often")).Status!.LastSuccessfulCheckpoint);
    }

    [Fact]
    public async Task Pruning_Should_DeleteWhatCompletedLongerThanMaxAgeAgo_WhateverTheLimits()
    {
        // Arrange: a run at 12:10 every day, kept 8 hours at most; the first one Succeeded.
        await cluster.ScheduleAsync("slow", new CheckpointScheduleSpec { PodName = "web", Schedule = "10 12 * * *", MaxAge = "8h", SuccessfulCheckpointsHistoryLimit = 10 });
        cluster.Clock.AdvanceTo(At(12, 10));
        await cluster.PassAsync(cluster.Schedules, "slow");
        await cluster.FinishAsync(await cluster.GetCheckpointAsync(NameAt("slow", At(12, 10))), Phase.Succeeded);
        cluster.Clock.AdvanceTo(At(20, 5));
        var young = await cluster.PassAsync(cluster.Schedules, "slow");
        cluster.Clock.AdvanceTo(At(20, 11));

        // Act
        await cluster.PassAsync(cluster.Schedules, "slow");

        // Assert
        Assert.DoesNotContain(young.Writes, w => w.StartsWith("DELETE", StringComparison.Ordinal));
        Assert.Empty(await cluster.CheckpointsAsync());
        Assert.Contains(await cluster.EventsAsync("slow"), e => e.Reason == ConditionReasons.CheckpointPruned && e.Message.Contains("maxAge (8h)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0 25 * * *", null, null, "25 is out of range 0-23 (hour field)")]
    [InlineData("@hourly", "Mars/Olympus", null, "timeZone: no time zone Mars/Olympus is known")]
    [InlineData(null, null, "30s", "every: 30s is shorter than 60 seconds")]
    public async Task Pass_Should_SayWhyAndStartNothing_When_TheScheduleCannotBeRead(string? cron, string? zone, string? every, string expected)
    {
        // Arrange
        await cluster.ScheduleAsync("bad", new CheckpointScheduleSpec { PodName = "web", Schedule = cron, TimeZone = zone, Every = every });
        cluster.Clock.Advance(TimeSpan.FromDays(1));

        // Act
        var pass = await cluster.PassAsync(cluster.Schedules, "bad");

        // Assert
        Assert.Equal(ReconcileResult.Done, pass.Result);
        var status = (await cluster.GetScheduleAsync("bad")).Status!;
        var ready = Assert.Single(status.Conditions!);
        Assert.Equal((ConditionStatus.False, ConditionReasons.InvalidSchedule), (ready.Status, ready.Reason));
        Assert.Contains(expected, status.Message, StringComparison.Ordinal);
        Assert.Empty(await cluster.CheckpointsAsync());
    }

    /// <summary>
    /// Schedule "often" (every 10 minutes, <paramref name="policy"/>) started its 12:10 run, whose Checkpoint has not
    /// finished, and the clock is at the next run, 12:20.
    /// </summary>
    private async Task RunUnfinishedAtTheNextAsync(string policy)
    {
        await cluster.ScheduleAsync("often", new CheckpointScheduleSpec { PodName = "web", Every = "10m", ConcurrencyPolicy = policy });
        cluster.Clock.AdvanceTo(At(12, 10));
        await cluster.PassAsync(cluster.Schedules, "often");
        cluster.Clock.AdvanceTo(At(12, 20));
    }
}
