using Cryo.Operator.Retention;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Retention;

/// <summary>ttlSecondsAfterFinished in single passes, on a clock the test moves.</summary>
public sealed class TtlPassTests : IAsyncLifetime
{
    private SinglePassHarness cluster = null!;

    public async Task InitializeAsync() => cluster = await SinglePassHarness.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Checkpoint_Should_WaitOutItsTtl_ThenBeDeleted()
    {
        // Arrange: Succeeded at 12:00, to live an hour.
        await cluster.CheckpointAsync("web-1", new CheckpointSpec { PodName = "web", TtlSecondsAfterFinished = 3600 },
            new CheckpointStatus { Phase = Phase.Succeeded, CompletionTime = Now, NodeName = Node });

        // Act
        var early = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        cluster.Clock.Advance(TimeSpan.FromMinutes(59));
        var later = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        cluster.Clock.Advance(TimeSpan.FromMinutes(1));
        var due = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert
        Assert.Equal((ReconcileResult.After(TimeSpan.FromHours(1)), 0), (early.Result, early.Writes.Count));
        Assert.Equal(ReconcileResult.After(TimeSpan.FromMinutes(1)), later.Result);
        Assert.Equal(ReconcileResult.Done, due.Result);
        Assert.Equal(["POST events", "DELETE checkpoints/web-1"], due.Writes);
        Assert.Empty(await cluster.CheckpointsAsync());
        Assert.Contains(await cluster.EventsAsync("web-1"), e => e.Reason == ConditionReasons.Expired);
    }

    [Fact]
    public async Task Checkpoint_Should_OutliveItsTtl_WhileARestoreInProgressNeedsIt()
    {
        // Arrange: expired, but a Restore of it has not finished.
        await cluster.CheckpointAsync("web-1", new CheckpointSpec { PodName = "web", TtlSecondsAfterFinished = 0 },
            new CheckpointStatus { Phase = Phase.Succeeded, CompletionTime = Now, NodeName = Node });
        await cluster.RestoreAsync("copy", new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget() });

        // Act
        var held = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert
        Assert.Equal(ReconcileResult.After(Expiry.HeldRecheck), held.Result);
        Assert.Empty(held.Writes);
        Assert.Single(await cluster.CheckpointsAsync());
    }

    [Fact]
    public async Task Checkpoint_Should_StayUntilDeleted_When_ItHasNoTtl()
    {
        // Arrange
        await cluster.CheckpointAsync("web-1", new CheckpointSpec { PodName = "web" }, new CheckpointStatus { Phase = Phase.Failed, CompletionTime = Now });
        cluster.Clock.Advance(TimeSpan.FromDays(365));

        // Act
        var pass = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert
        Assert.Equal((ReconcileResult.Done, 0), (pass.Result, pass.Writes.Count));
    }

    [Fact]
    public async Task Restore_Should_BeDeleted_OnceItFailedTtlSecondsAgo()
    {
        // Arrange: a Restore that failed at 12:00 (its Checkpoint does not exist), to live ten minutes.
        var restore = await cluster.RestoreAsync("copy", new RestoreSpec { CheckpointName = "gone", NewPod = new NewPodTarget(), TtlSecondsAfterFinished = 600 });
        restore.Status = new RestoreStatus { Phase = Phase.Failed, CompletionTime = Now };
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<Restore>(restore, CryoNames.Group, CryoNames.Version, Ns, Restore.Plural, "copy");

        // Act
        var early = await cluster.PassAsync(cluster.Restores, "copy");
        cluster.Clock.Advance(TimeSpan.FromMinutes(10));
        var due = await cluster.PassAsync(cluster.Restores, "copy");

        // Assert
        Assert.Equal(ReconcileResult.After(TimeSpan.FromMinutes(10)), early.Result);
        Assert.Equal(["POST events", "DELETE restores/copy"], due.Writes);
    }

    [Fact]
    public void Sooner_Should_KeepAPassThatRetriesOrContinues_And_WaitForTheEarlierOfTwoRequeues()
    {
        var ttl = ReconcileResult.After(TimeSpan.FromMinutes(5));
        Assert.Equal(ReconcileResult.Retry, Expiry.Sooner(ReconcileResult.Retry, ttl));
        Assert.Equal(ReconcileResult.Continue, Expiry.Sooner(ReconcileResult.Continue, ttl));
        Assert.Equal(ttl, Expiry.Sooner(ReconcileResult.Done, ttl));
        Assert.Equal(ReconcileResult.After(TimeSpan.FromSeconds(10)), Expiry.Sooner(ReconcileResult.After(TimeSpan.FromSeconds(10)), ttl));
        Assert.Equal(ttl, Expiry.Sooner(ReconcileResult.After(TimeSpan.FromHours(1)), ttl));
        Assert.Equal(ReconcileResult.Done, Expiry.Sooner(ReconcileResult.Done, null));
    }
}
