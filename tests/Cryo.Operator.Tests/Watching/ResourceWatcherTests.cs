using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Watching;
using Microsoft.Extensions.Logging.Abstractions;

using Cryo.Operator.Tests.ApiServer;

namespace Cryo.Operator.Tests.Watching;

public sealed class ResourceWatcherTests() : ApiServerTest(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) })
{
    [Fact]
    public async Task Watcher_Should_FollowBookmarks_And_ResumeFromLastVersion_When_TheWatchEnds()
    {
        // Arrange
        var (watcher, events, run, stop) = StartWatcher();
        await watcher.Synced;
        await CreateAsync("a");
        await Eventually.TrueAsync(() => events.Contains((WatchEventType.Added, "a")), "a seen");

        // Act
        await CreateAsync("b");
        await Eventually.TrueAsync(() => watcher.ResourceVersion == Server.CurrentResourceVersion, "bookmarks carry the version forward");
        Server.CloseAllWatches();
        await CreateAsync("c");
        await Eventually.TrueAsync(() => events.Contains((WatchEventType.Added, "c")), "c seen after the watch was reopened");
        await stop();

        // Assert: nothing was seen twice, so the watch resumed instead of listing again.
        Assert.Equal(events.Distinct().Count(), events.Count);
        Assert.Single(Server.Requests, r => r.Method == "GET" && r.Path.EndsWith("/checkpoints") && !r.Query.Contains("watch=true"));
        await run;
    }

    [Fact]
    public async Task Watcher_Should_ListAfresh_And_ReportDeletions_When_TheServerAnswersGone()
    {
        // Arrange
        await CreateAsync("a");
        await CreateAsync("b");
        var (watcher, events, run, stop) = StartWatcher();
        await watcher.Synced;
        // Synced comes with the list; the watch that follows must be open, or closing it misses it and it
        // simply delivers the deletion (seen once in a full suite run while the agent tests loaded the machine).
        await Eventually.TrueAsync(() => Server.OpenWatches == 1, "the watch is open");

        // Act: delete "a" and forget the history while no watch is open, so the resumed watch gets 410.
        Server.HoldWatches();
        Server.CloseAllWatches();
        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, "ns", Checkpoint.Plural, "a");
        await CreateAsync("c");
        Server.CompactHistory();
        Server.ReleaseWatches();
        await Eventually.TrueAsync(() => events.Contains((WatchEventType.Deleted, "a")) && watcher.Cache.ContainsKey(new("ns", "c")), "relisted");
        await stop();

        // Assert
        Assert.Equal(2, Server.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/checkpoints") && !r.Query.Contains("watch=true")));
        Assert.Equal(["b", "c"], watcher.Cache.Keys.Select(k => k.Name).Order());
        await run;
    }

    [Fact]
    public async Task Watcher_Should_CacheOnlyWhatTheRouterReads_When_GivenCachedFields()
    {
        // Arrange: a Checkpoint with an annotation and a recorded pod spec in its status.
        var created = await Client.CustomObjects.CreateNamespacedCustomObjectAsync<Checkpoint>(
            new Checkpoint
            {
                Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "ns", Annotations = new Dictionary<string, string> { ["note"] = new('x', 4096) } },
                Spec = new CheckpointSpec { PodName = "p" },
            },
            CryoNames.Group, CryoNames.Version, "ns", Checkpoint.Plural);
        created.Status = new CheckpointStatus { Phase = Phase.Running, PodSpec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "img" }] } };
        await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<Checkpoint>(created, CryoNames.Group, CryoNames.Version, "ns", Checkpoint.Plural, "a");
        var (watcher, _, run, stop) = StartWatcher(CachedFields.Checkpoint);

        // Act
        await watcher.Synced;
        var cached = watcher.Cache[new("ns", "a")];
        await stop();

        // Assert
        Assert.Equal(("p", Phase.Running), (cached.Spec.PodName, cached.Status!.Phase));
        Assert.Null(cached.Status.PodSpec);
        Assert.Null(cached.Metadata.Annotations);
        Assert.Equal(created.Metadata.Uid, cached.Metadata.Uid);
        await run;
    }

    private (ResourceWatcher<Checkpoint, CheckpointList> Watcher, List<(WatchEventType, string)> Events, Task Run, Func<Task> Stop) StartWatcher(
        Func<Checkpoint, Checkpoint>? keep = null)
    {
        var resources = new CryoResources(Client);
        var watcher = new ResourceWatcher<Checkpoint, CheckpointList>(
            "Checkpoint", resources.Checkpoints.ListAsync, keepCache: true, TimeSpan.FromSeconds(30),
            new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry()), NullLogger.Instance)
        {
            Keep = keep ?? (c => c),
        };
        var events = new List<(WatchEventType, string)>();
#pragma warning disable CA2000 // Disposed when the watch ends (the ContinueWith below).
        var cts = new CancellationTokenSource();
#pragma warning restore CA2000
        var run = watcher.RunAsync((type, obj, _) =>
        {
            lock (events)
            {
                events.Add((type, obj.Metadata.Name));
            }
        }, cts.Token);
        return (watcher, events, run.ContinueWith(_ => cts.Dispose(), TaskScheduler.Default), async () => await cts.CancelAsync());
    }

    private Task<Checkpoint> CreateAsync(string name) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync<Checkpoint>(
            new Checkpoint { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns" }, Spec = new CheckpointSpec { PodName = "p" } },
            CryoNames.Group, CryoNames.Version, "ns", Checkpoint.Plural);
}
