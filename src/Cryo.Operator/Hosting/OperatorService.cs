using Cryo.Api;
using Cryo.Operator.Checkpoints;
using Cryo.Operator.Configuration;
using Cryo.Operator.Evictions;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Leadership;
using Cryo.Operator.Metrics;
using Cryo.Operator.Migrations;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Restores;
using Cryo.Operator.RestoreSets;
using Cryo.Operator.Schedules;
using Cryo.Operator.Transfers;
using Cryo.Operator.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cryo.Operator.Hosting;

/// <summary>
/// The controller process: while this replica leads (or always, without leader election) it watches
/// Checkpoints, Restores, CheckpointSchedules, RestoreSets and pods, feeds the work queues (one per reconciler:
/// Checkpoints, Restores, schedules, RestoreSets, and pods being evicted), runs the reconcilers, resyncs periodically and
/// keeps the gauges current. Losing leadership stops all of it.
/// </summary>
public sealed class OperatorService(
    IKubernetes client,
    CryoResources resources,
    CheckpointReconciler checkpointReconciler,
    RestoreReconciler restoreReconciler,
    CheckpointScheduleReconciler scheduleReconciler,
    EvictionReconciler evictionReconciler,
    RestoreSetReconciler restoreSetReconciler,
    MigrationReconciler migrationReconciler,
    LeaseElection election,
    CheckpointPulls pulls,
    OperatorState state,
    OperatorMetrics metrics,
    IOptions<OperatorOptions> options,
    TimeProvider clock,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly OperatorOptions settings = options.Value;
    private readonly ILogger logger = loggers.CreateLogger<OperatorService>();

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        settings.LeaderElection.Enabled ? election.RunAsync(LeadAsync, stoppingToken) : LeadAsync(stoppingToken);

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        using var checkpointQueue = new WorkQueue(clock);
        using var restoreQueue = new WorkQueue(clock);
        using var scheduleQueue = new WorkQueue(clock);
        using var evictionQueue = new WorkQueue(clock);
        using var restoreSetQueue = new WorkQueue(clock);
        using var migrationQueue = new WorkQueue(clock);
        var checkpoints = new ResourceWatcher<Checkpoint, CheckpointList>(
            Checkpoint.KindName, resources.Checkpoints.ListAsync, keepCache: true, settings.WatchTimeout, metrics, logger)
        {
            Keep = CachedFields.Checkpoint,
        };
        var restores = new ResourceWatcher<Restore, RestoreList>(
            Restore.KindName, resources.Restores.ListAsync, keepCache: true, settings.WatchTimeout, metrics, logger)
        {
            Keep = CachedFields.Restore,
        };
        var restoreSets = new ResourceWatcher<RestoreSet, RestoreSetList>(
            RestoreSet.KindName, resources.RestoreSets.ListAsync, keepCache: true, settings.WatchTimeout, metrics, logger)
        {
            Keep = CachedFields.RestoreSet,
        };
        var pods = new ResourceWatcher<V1Pod, V1PodList>("Pod", (request, token) => client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(
                allowWatchBookmarks: request.Watch ? true : null, resourceVersion: request.ResourceVersion,
                timeoutSeconds: request.TimeoutSeconds, watch: request.Watch, cancellationToken: token),
            keepCache: false, settings.WatchTimeout, metrics, logger);
        var migrations = new ResourceWatcher<Migration, MigrationList>(
            Migration.KindName, resources.Migrations.ListAsync, keepCache: true, settings.WatchTimeout, metrics, logger);
        var schedules = new ResourceWatcher<CheckpointSchedule, CheckpointScheduleList>(
            CheckpointSchedule.KindName, resources.Schedules.ListAsync, keepCache: true, settings.WatchTimeout, metrics, logger)
        {
            Keep = CachedFields.Schedule,
        };
        var router = new EventRouter(checkpoints, restores, restoreSets, checkpointQueue, restoreQueue, restoreSetQueue);
        var day2 = new Day2EventRouter(checkpointQueue, restoreQueue, scheduleQueue, evictionQueue);
        var moves = new MigrationEventRouter(migrationQueue);

        // Every task started below uses the queues, disposed as this method returns: each is stopped and awaited
        // first, also when the method leaves early (leadership lost while the watches sync, a watch that crashed).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = stop.Token;
        var started = new List<Task>();
        state.Leading = true;
        try
        {
            var runners = new[]
            {
                Runner(checkpointReconciler, checkpointQueue).RunAsync(token),
                Runner(restoreReconciler, restoreQueue).RunAsync(token),
                Runner(scheduleReconciler, scheduleQueue).RunAsync(token),
                Runner(evictionReconciler, evictionQueue).RunAsync(token),
                Runner(restoreSetReconciler, restoreSetQueue).RunAsync(token),
                Runner(migrationReconciler, migrationQueue).RunAsync(token),
            };
            started.AddRange(runners);
            var watches = new[]
            {
                checkpoints.RunAsync((t, o, p) => { router.OnCheckpoint(t, o, p); day2.OnCheckpoint(t, o, p); moves.OnCheckpoint(t, o, p); }, token),
                restores.RunAsync((t, o, p) => { router.OnRestore(t, o, p); day2.OnRestore(t, o, p); moves.OnRestore(t, o, p); }, token),
                migrations.RunAsync(moves.OnMigration, token),
                restoreSets.RunAsync(router.OnRestoreSet, token),
                pods.RunAsync((t, o, p) => { router.OnPod(t, o, p); day2.OnPod(t, o, p); }, token),
                schedules.RunAsync(day2.OnSchedule, token),
            };
#pragma warning disable CA2025 // The finally below stops and awaits these tasks before the queues are disposed.
            var housekeeping = HousekeepAsync(checkpoints, restores, restoreSets, checkpointQueue, restoreQueue, restoreSetQueue, token);
            var scheduleResync = ResyncAsync(CheckpointSchedule.KindName, schedules, scheduleQueue, token);
            var migrationResync = ResyncAsync(Migration.KindName, migrations, migrationQueue, token);
#pragma warning restore CA2025
            started.AddRange([.. watches, housekeeping, scheduleResync, migrationResync]);
            await Task.WhenAll(checkpoints.Synced, restores.Synced, restoreSets.Synced, pods.Synced, schedules.Synced, migrations.Synced).WaitAsync(cancellationToken);
            state.Synced = true;
            logger.LogInformation("watches synced: {Checkpoints} checkpoints, {Restores} restores, {RestoreSets} restore sets, {Schedules} schedules",
                checkpoints.Cache.Count, restores.Cache.Count, restoreSets.Cache.Count, schedules.Cache.Count);
            await Task.WhenAll([.. runners, .. watches, housekeeping, scheduleResync, migrationResync]);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Leadership lost or shutting down.
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(started).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            // The pulls' calls outlast passes, not leadership: the new leader pulls what it finds missing.
            pulls.StopAll();
            state.Synced = false;
            state.Leading = false;
        }
    }

    private ControllerRunner Runner(IReconciler reconciler, WorkQueue queue) =>
        new(reconciler, queue, new ExponentialBackoff(settings.BackoffBase, settings.BackoffMax), settings.Workers, metrics,
            loggers.CreateLogger(reconciler.GetType()));

    /// <summary>Periodic resync of every known object, and the gauges.</summary>
    private async Task HousekeepAsync(
        ResourceWatcher<Checkpoint, CheckpointList> checkpoints,
        ResourceWatcher<Restore, RestoreList> restores,
        ResourceWatcher<RestoreSet, RestoreSetList> restoreSets,
        WorkQueue checkpointQueue,
        WorkQueue restoreQueue,
        WorkQueue restoreSetQueue,
        CancellationToken cancellationToken)
    {
        var lastResync = DateTime.UtcNow;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Min(1000, settings.ResyncPeriod.TotalMilliseconds)));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (DateTime.UtcNow - lastResync >= settings.ResyncPeriod)
            {
                lastResync = DateTime.UtcNow;
                foreach (var key in checkpoints.Cache.Keys)
                {
                    checkpointQueue.Add(key);
                }

                foreach (var key in restores.Cache.Keys)
                {
                    restoreQueue.Add(key);
                }

                foreach (var key in restoreSets.Cache.Keys)
                {
                    restoreSetQueue.Add(key);
                }
            }

            metrics.QueueDepth.WithLabels(Checkpoint.KindName).Set(checkpointQueue.Depth);
            metrics.QueueDepth.WithLabels(Restore.KindName).Set(restoreQueue.Depth);
            metrics.QueueDepth.WithLabels(RestoreSet.KindName).Set(restoreSetQueue.Depth);
            SetPhaseGauge(Checkpoint.KindName, checkpoints.Cache.Values.Select(c => c.Status?.Phase));
            SetPhaseGauge(Restore.KindName, restores.Cache.Values.Select(r => r.Status?.Phase));
        }
    }

    /// <summary>
    /// Periodic resync of every CheckpointSchedule or Migration (schedules' runs requeue themselves, migrations follow their
    /// Checkpoints and Restores; this catches what a lost requeue or event missed).
    /// </summary>
    private async Task ResyncAsync<T, TList>(string kind, ResourceWatcher<T, TList> watched, WorkQueue queue, CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        using var timer = new PeriodicTimer(settings.ResyncPeriod);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (var key in watched.Cache.Keys)
            {
                queue.Add(key);
            }

            metrics.QueueDepth.WithLabels(kind).Set(queue.Depth);
        }
    }

    private void SetPhaseGauge(string kind, IEnumerable<string?> phases)
    {
        var counts = phases.GroupBy(p => p ?? Phase.Pending).ToDictionary(g => g.Key, g => g.Count());
        foreach (var phase in new[] { Phase.Pending, Phase.Running, Phase.Succeeded, Phase.Failed })
        {
            metrics.Objects.WithLabels(kind, phase).Set(counts.GetValueOrDefault(phase));
        }
    }
}
