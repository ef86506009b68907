using Cryo.Api;
using Cryo.Operator.Checkpoints;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Leadership;
using Cryo.Operator.Metrics;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Restores;
using Cryo.Operator.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cryo.Operator.Hosting;

/// <summary>
/// The controller process: while this replica leads (or always, without leader election) it watches
/// Checkpoints, Restores and pods, feeds the two work queues, runs the reconcilers, resyncs periodically
/// and keeps the gauges current. Losing leadership stops all of it.
/// </summary>
public sealed class OperatorService(
    IKubernetes client,
    CryoResources resources,
    CheckpointReconciler checkpointReconciler,
    RestoreReconciler restoreReconciler,
    LeaseElection election,
    OperatorState state,
    OperatorMetrics metrics,
    IOptions<OperatorOptions> options,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly OperatorOptions settings = options.Value;
    private readonly ILogger logger = loggers.CreateLogger<OperatorService>();

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        settings.LeaderElection.Enabled ? election.RunAsync(LeadAsync, stoppingToken) : LeadAsync(stoppingToken);

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        using var checkpointQueue = new WorkQueue();
        using var restoreQueue = new WorkQueue();
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
        var pods = new ResourceWatcher<V1Pod, V1PodList>("Pod", (request, token) => client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(
                allowWatchBookmarks: request.Watch ? true : null, resourceVersion: request.ResourceVersion,
                timeoutSeconds: request.TimeoutSeconds, watch: request.Watch, cancellationToken: token),
            keepCache: false, settings.WatchTimeout, metrics, logger);
        var router = new EventRouter(checkpoints, restores, checkpointQueue, restoreQueue);

        state.Leading = true;
        try
        {
            var runners = new[]
            {
                Runner(checkpointReconciler, checkpointQueue).RunAsync(cancellationToken),
                Runner(restoreReconciler, restoreQueue).RunAsync(cancellationToken),
            };
            var watches = new[]
            {
                checkpoints.RunAsync(router.OnCheckpoint, cancellationToken),
                restores.RunAsync(router.OnRestore, cancellationToken),
                pods.RunAsync(router.OnPod, cancellationToken),
            };
            var housekeeping = HousekeepAsync(checkpoints, restores, checkpointQueue, restoreQueue, cancellationToken);
            await Task.WhenAll(checkpoints.Synced, restores.Synced, pods.Synced).WaitAsync(cancellationToken);
            state.Synced = true;
            logger.LogInformation("watches synced: {Checkpoints} checkpoints, {Restores} restores", checkpoints.Cache.Count, restores.Cache.Count);
            await Task.WhenAll([.. runners, .. watches, housekeeping]);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Leadership lost or shutting down.
        }
        finally
        {
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
        WorkQueue checkpointQueue,
        WorkQueue restoreQueue,
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
            }

            metrics.QueueDepth.WithLabels(Checkpoint.KindName).Set(checkpointQueue.Depth);
            metrics.QueueDepth.WithLabels(Restore.KindName).Set(restoreQueue.Depth);
            SetPhaseGauge(Checkpoint.KindName, checkpoints.Cache.Values.Select(c => c.Status?.Phase));
            SetPhaseGauge(Restore.KindName, restores.Cache.Values.Select(r => r.Status?.Phase));
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
