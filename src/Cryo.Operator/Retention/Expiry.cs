using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Metrics;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Retention;

/// <summary>
/// <c>ttlSecondsAfterFinished</c> of Checkpoints and Restores: once an object has been Succeeded or Failed that long
/// (from <c>status.completionTime</c>, else from when its Ready condition last changed), it is deleted; until then the
/// pass requeues at the expiry. A Checkpoint something still needs (<see cref="CheckpointHolds"/>) waits, and is looked at
/// again every <see cref="HeldRecheck"/>. A Checkpoint's finalizer then deletes its images; a Restore's pod goes with it.
/// </summary>
public sealed class Expiry(CryoResources resources, CheckpointHolds holds, EventRecorder events, OperatorMetrics metrics, TimeProvider clock, ILogger<Expiry> logger)
{
    /// <summary>How often an expired Checkpoint that something still needs is looked at again.</summary>
    public static readonly TimeSpan HeldRecheck = TimeSpan.FromMinutes(1);

    /// <summary>For a finished Checkpoint: deletes it when its time is up (Done), or says when to look again; Done without a TTL.</summary>
    public async Task<ReconcileResult> ExpireAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        var status = checkpoint.Status;
        if (Remaining(checkpoint.Spec.TtlSecondsAfterFinished, status?.CompletionTime, status?.Conditions) is not { } remaining)
        {
            return ReconcileResult.Done;
        }

        if (remaining > TimeSpan.Zero)
        {
            return ReconcileResult.After(remaining);
        }

        var ns = checkpoint.Metadata.NamespaceProperty;
        var held = await holds.FindAsync(ns, new HashSet<string> { checkpoint.Metadata.Name }, cancellationToken);
        if (held.TryGetValue(checkpoint.Metadata.Name, out var why))
        {
            logger.LogDebug("Checkpoint {Namespace}/{Name} expired but is kept: {Why}", ns, checkpoint.Metadata.Name, why);
            return ReconcileResult.After(HeldRecheck);
        }

        return await DeleteAsync(resources.Checkpoints, checkpoint, cancellationToken);
    }

    /// <summary>For a finished Restore: deletes it when its time is up (Done), else when to look again; null without a TTL.</summary>
    public async Task<ReconcileResult?> ExpireAsync(Restore restore, CancellationToken cancellationToken)
    {
        var status = restore.Status;
        if (status?.Phase is not (Phase.Succeeded or Phase.Failed) ||
            Remaining(restore.Spec.TtlSecondsAfterFinished, status.CompletionTime, status.Conditions) is not { } remaining)
        {
            return null;
        }

        return remaining > TimeSpan.Zero ? ReconcileResult.After(remaining) : await DeleteAsync(resources.Restores, restore, cancellationToken);
    }

    /// <summary>
    /// The sooner of a pass's own result and the expiry's requeue: a pass that retries or continues keeps its way (the
    /// next pass works the expiry out again); one that is done waits for the expiry.
    /// </summary>
    public static ReconcileResult Sooner(ReconcileResult pass, ReconcileResult? expiry) =>
        expiry?.RequeueAfter is not { } expires || pass.Backoff || pass == ReconcileResult.Continue
            ? pass
            : pass.RequeueAfter is { } after && after <= expires ? pass : expiry;

    private TimeSpan? Remaining(int? ttlSeconds, DateTime? completionTime, IList<V1Condition>? conditions)
    {
        var finished = completionTime ?? Conditions.Find(conditions, ConditionTypes.Ready)?.LastTransitionTime;
        if (ttlSeconds is not { } ttl || finished is not { } at)
        {
            return null;
        }

        return DateTime.SpecifyKind(at, DateTimeKind.Utc).AddSeconds(ttl) - clock.GetUtcNow().UtcDateTime;
    }

    private async Task<ReconcileResult> DeleteAsync<T, TList>(CustomResourceClient<T, TList> client, T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        await events.NormalAsync(obj, ConditionReasons.Expired, "finished ttlSecondsAfterFinished ago; deleting it", cancellationToken);
        if (await client.DeleteAsync(obj, cancellationToken))
        {
            metrics.ObjectsDeleted.WithLabels(obj.Kind, "ttl").Inc();
            logger.LogInformation("{Kind} {Namespace}/{Name} expired and was deleted", obj.Kind, obj.Metadata.NamespaceProperty, obj.Metadata.Name);
        }

        return ReconcileResult.Done;
    }
}
