using System.Diagnostics;
using Cryo.Operator.Metrics;
using Cryo.Operator.Queue;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Reconciling;

/// <summary>
/// Workers that take keys from a queue and run the reconciler, one pass per key at a time; the pass's
/// result decides what happens next (done, requeue after a delay, retry with per-key exponential backoff),
/// and an exception is a retry with backoff too.
/// </summary>
public sealed class ControllerRunner(
    IReconciler reconciler,
    WorkQueue queue,
    ExponentialBackoff backoff,
    int workers,
    OperatorMetrics metrics,
    ILogger logger)
{
    /// <summary>Runs the workers until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None)));

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ObjectKey key;
            try
            {
                key = await queue.TakeAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await PassAsync(key, cancellationToken);
            }
            finally
            {
                queue.Done(key);
                metrics.QueueDepth.WithLabels(reconciler.Kind).Set(queue.Depth);
            }
        }
    }

    private async Task PassAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["Kind"] = reconciler.Kind, ["Namespace"] = key.Namespace, ["Name"] = key.Name });
        var started = Stopwatch.GetTimestamp();
        string outcome;
        try
        {
            var result = await reconciler.ReconcileAsync(key, cancellationToken);
            outcome = result.Outcome;
            if (result.Backoff)
            {
                queue.AddAfter(key, backoff.NextDelay(key));
            }
            else
            {
                backoff.Forget(key);
                if (result.RequeueAfter is { } delay)
                {
                    queue.AddAfter(key, delay);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "cancelled";
        }
#pragma warning disable CA1031 // A failed pass is logged and retried with backoff: one object's error must not stop the worker.
        catch (Exception e)
#pragma warning restore CA1031
        {
            outcome = "error";
            var delay = backoff.NextDelay(key);
            logger.LogWarning(e, "reconcile of {Kind} {Namespace}/{Name} failed; retrying in {Delay}", reconciler.Kind, key.Namespace, key.Name, delay);
            queue.AddAfter(key, delay);
        }

        metrics.Reconciles.WithLabels(reconciler.Kind, outcome).Inc();
        metrics.ReconcileDuration.WithLabels(reconciler.Kind).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
