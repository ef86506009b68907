using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Retention;
using static Cryo.Operator.Tests.Reconciling.SinglePassHarness;

namespace Cryo.Operator.Tests.Retention;

/// <summary>
/// What RestoreSets hold in single passes: the Checkpoint a set names and those its live copies came from outlive their
/// ttlSecondsAfterFinished and a schedule's pruning, and go once nothing of a set needs them.
/// </summary>
public sealed class RestoreSetsHoldTests : IAsyncLifetime
{
    private SinglePassHarness cluster = null!;
    private V1Pod web = null!;

    public async Task InitializeAsync()
    {
        cluster = await SinglePassHarness.StartAsync();
        web = await cluster.Kubelet.RunPodAsync(Ns, "web", Node);
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Checkpoint_Should_OutliveItsTtl_WhileARestoreSetNamesIt_AndGoOnceTheSetNamesAnother()
    {
        // Arrange: expired at once, and the Checkpoint of a set (with no copies yet: nothing in progress holds it).
        await ExpiringCheckpointAsync("web-1");
        await cluster.SucceededCheckpointAsync("web-2", web);
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 0 });

        // Act
        var held = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        await NameAsync("ci", "web-2");
        var released = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert
        Assert.Equal(ReconcileResult.After(Expiry.HeldRecheck), held.Result);
        Assert.Empty(held.Writes);
        Assert.Equal(["POST events", "DELETE checkpoints/web-1"], released.Writes);
        Assert.Equal(["web-2"], (await cluster.CheckpointsAsync()).Select(c => c.Metadata.Name));
    }

    [Fact]
    public async Task Checkpoint_Should_OutliveItsTtl_WhileALiveCopyCameFromIt_AfterTheSetMovedOn()
    {
        // Arrange: a copy of web-1 restored (its Restore Succeeded, so no Restore in progress holds web-1); then the
        // set moves on to web-2 and keeps that copy until it ends.
        await ExpiringCheckpointAsync("web-1");
        await cluster.SucceededCheckpointAsync("web-2", web);
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        var copy = Assert.Single(await CopiesAsync());
        await cluster.RestoreStatusAsync(copy.Metadata.Name, new RestoreStatus { Phase = Phase.Succeeded, CompletionTime = Now, NodeName = Node });
        await NameAsync("ci", "web-2");

        // Act
        var held = await cluster.PassAsync(cluster.Checkpoints, "web-1");
        var why = await new RestoreSetsHold(new CryoResources(cluster.Client)).FindAsync(Ns, new HashSet<string> { "web-1" }, CancellationToken.None);
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, Ns, Restore.Plural, copy.Metadata.Name);
        var released = await cluster.PassAsync(cluster.Checkpoints, "web-1");

        // Assert
        Assert.Equal(ReconcileResult.After(Expiry.HeldRecheck), held.Result);
        Assert.Empty(held.Writes);
        Assert.Equal($"copy {copy.Metadata.Name} of RestoreSet ci was restored from it and restores it again after a restart", why["web-1"]);
        Assert.Equal(["POST events", "DELETE checkpoints/web-1"], released.Writes);
    }

    [Fact]
    public async Task Checkpoint_Should_BeReleased_When_ItsCopyFailed_OrItsSetIsBeingDeleted()
    {
        // Arrange: a set that names web-1 and is being deleted (a finalizer of someone else's keeps it), and a failed copy
        // of another set that still names web-2 (so the copy's hold alone is looked at for web-1).
        await cluster.SucceededCheckpointAsync("web-1", web);
        await cluster.SucceededCheckpointAsync("web-2", web);
        var going = await cluster.RestoreSetAsync("going", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 0 });
        going.Metadata.Finalizers = ["example.com/audit"];
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<RestoreSet>(going, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "going");
        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, "going");
        await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 1 });
        await cluster.PassAsync(cluster.RestoreSets, "ci");
        var copy = Assert.Single(await CopiesAsync());
        await cluster.RestoreStatusAsync(copy.Metadata.Name, new RestoreStatus { Phase = Phase.Failed, CompletionTime = Now, Message = "criu restore failed" });
        await NameAsync("ci", "web-2");
        var hold = new RestoreSetsHold(new CryoResources(cluster.Client));

        // Act
        var held = await hold.FindAsync(Ns, new HashSet<string> { "web-1", "web-2" }, CancellationToken.None);

        // Assert
        Assert.Equal(["web-2"], held.Keys);
        Assert.Equal("RestoreSet ci makes its copies from it", held["web-2"]);
    }

    [Fact]
    public async Task Pruning_Should_KeepTheCheckpointsARestoreSetNeeds_BeyondTheHistoryLimit()
    {
        // Arrange: three runs ten minutes apart, all Succeeded, keeping one; a set restores the first run's Checkpoint.
        await cluster.ScheduleAsync("often", new CheckpointScheduleSpec { PodName = "web", Every = "10m", SuccessfulCheckpointsHistoryLimit = 1 });
        var names = new List<string>();
        for (var run = 1; run <= 3; run++)
        {
            cluster.Clock.AdvanceTo(new DateTimeOffset(Now).AddMinutes(10 * run));
            await cluster.PassAsync(cluster.Schedules, "often");
            var checkpoint = Assert.Single(await cluster.CheckpointsAsync(), c => names.All(n => n != c.Metadata.Name));
            names.Add(checkpoint.Metadata.Name);
            await cluster.FinishAsync(checkpoint, Phase.Succeeded);
            if (run == 1)
            {
                await cluster.RestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = checkpoint.Metadata.Name, Replicas = 0 });
            }
        }

        // Act
        await cluster.PassAsync(cluster.Schedules, "often");

        // Assert: the newest is kept by the limit, the first by the set; the second is pruned.
        Assert.Equal(new[] { names[0], names[2] }.Order(), (await cluster.CheckpointsAsync()).Select(c => c.Metadata.Name).Order());
        var pruned = Assert.Single(await cluster.EventsAsync("often"), e => e.Reason == ConditionReasons.CheckpointPruned);
        Assert.StartsWith($"deleted Succeeded Checkpoint {names[1]}", pruned.Message, StringComparison.Ordinal);
    }

    /// <summary>A Checkpoint of web that Succeeded now, with the pod spec a set builds from, and a TTL of 0.</summary>
    private Task<Checkpoint> ExpiringCheckpointAsync(string name) =>
        cluster.CheckpointAsync(name, new CheckpointSpec { PodName = "web", TtlSecondsAfterFinished = 0 }, new CheckpointStatus
        {
            Phase = Phase.Succeeded,
            CompletionTime = Now,
            NodeName = Node,
            PodUid = web.Metadata.Uid,
            ContainerId = web.Status.ContainerStatuses[0].ContainerID,
            PodSpec = web.Spec,
            Location = $"{Ns}/{name}",
        });

    private async Task NameAsync(string set, string checkpoint)
    {
        var current = await cluster.GetRestoreSetAsync(set);
        current.Spec.CheckpointName = checkpoint;
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<RestoreSet>(current, CryoNames.Group, CryoNames.Version, Ns, RestoreSet.Plural, set);
    }

    private async Task<List<Restore>> CopiesAsync() =>
        (await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync<RestoreList>(CryoNames.Group, CryoNames.Version, Ns, Restore.Plural,
            labelSelector: CryoNames.RestoreSetLabel)).Items.ToList();
}
