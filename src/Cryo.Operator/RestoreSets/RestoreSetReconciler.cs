using Cryo.Api;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Restores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cryo.Operator.RestoreSets;

/// <summary>
/// Drives a RestoreSet as a ReplicaSet is driven, over Restores. Each pass reads the set, its Checkpoint and what the
/// set owns afresh, and converges: copies that failed or ended are removed (failures in a row hold new copies back for a
/// doubling delay); copies not handed over yet get their pod; surplus copies go, the least Ready, outdated and newest
/// first; missing copies are made, each into a warm pod when there is one (then it is only a restore) or a new pod; the
/// warm pool is brought to its size with pods of the current template. Status is written once, at the end.
/// A copy is a Restore the set owns, named like its pod, whose existingPod target is a pod the set built
/// (<see cref="CopyPodBuilder"/>) and hands over to it: from then on the pod is the Restore's, which restores into it
/// again after restarts (<see cref="RestoreFollower"/>) and keeps its readiness gate. Deleting the set deletes its
/// Restores and pods through their owner references.
/// </summary>
public sealed class RestoreSetReconciler(
    CryoResources resources,
    SetWriter writer,
    EventRecorder events,
    IOptions<OperatorOptions> options,
    TimeProvider clock,
    ILogger<RestoreSetReconciler> logger) : IReconciler
{
    private readonly OperatorOptions settings = options.Value;

    /// <inheritdoc/>
    public string Kind => RestoreSet.KindName;

    /// <summary>The label selector of a set's copies (not its warm pods), as status.selector gives it to autoscalers.</summary>
    public static string SelectorOf(RestoreSet set) => $"{CryoNames.RestoreSetLabel}={set.Metadata.Name},{CryoNames.RestoreLabel}";

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var set = await resources.RestoreSets.GetAsync(key.Namespace, key.Name, cancellationToken);
        if (set is null || set.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done; // its Restores and pods go with it through their owner references
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var status = StatusWriter.Draft(set, set.Status);
        var checkpoint = await RestorableCheckpoint.ReadAsync(resources.Checkpoints, key.Namespace, set.Spec.CheckpointName, buildsPods: true, cancellationToken);
        var template = checkpoint.Failure is null ? CopyPodBuilder.Build(set, checkpoint.Value, PlaceholderSource.From(settings)) : null;
        var members = await SetMembers.ReadAsync(resources, set, cancellationToken);

        await RemoveFailedAndEndedCopiesAsync(set, members, status, now, cancellationToken);
        ForgetFailuresOnceACopyRestored(members, status);
        await FinishHandOversAsync(members, cancellationToken);
        await ScaleDownAsync(set, members, template, cancellationToken);
        var heldBack = checkpoint.Failure ?? Backoff(set, members, status, now);
        var refused = heldBack is null && template is not null ? await ScaleUpAsync(set, members, template, cancellationToken) : null;
        if (refused is null)
        {
            refused = await KeepWarmPoolAsync(set, members, template, cancellationToken);
        }

        await WriteStatusAsync(set, status, members, template, checkpoint.Failure, heldBack ?? refused, refused, now, cancellationToken);
        return refused is not null ? ReconcileResult.Retry
            : heldBack?.Reason == ConditionReasons.ReplacementBackoff && ReplacementBackoff.Until(status, settings) is { } until ? ReconcileResult.After(until - now)
            : ReconcileResult.Done;
    }

    /// <summary>
    /// Copies whose Restore Failed, or whose application or pod ended for good, no longer count: they are removed (and
    /// replaced further on). Each failure counts towards the backoff that holds the next copy back.
    /// </summary>
    private async Task RemoveFailedAndEndedCopiesAsync(RestoreSet set, SetMembers members, RestoreSetStatus status, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var copy in members.Copies.Where(c => !c.IsLive).ToList())
        {
            if (copy.State == CopyState.Ended)
            {
                await writer.RemoveEndedCopyAsync(set, members, copy, cancellationToken);
                continue;
            }

            var failures = (status.ConsecutiveFailures ?? 0) + 1;
            status.ConsecutiveFailures = failures;
            status.LastFailureTime = now;
            var next = now + ReplacementBackoff.Delay(failures, settings);
            status.SetCondition(ConditionTypes.ReplicaFailure, ConditionStatus.True, ConditionReasons.CopyFailed,
                $"copy {copy.Name} failed ({failures} in a row since a copy last restored); its Restore said: {copy.Why}", now);
            await writer.RemoveFailedCopyAsync(set, members, copy, failures, next, cancellationToken);
        }
    }

    /// <summary>A copy that restored after the latest failure shows restores work again: the backoff is over.</summary>
    private static void ForgetFailuresOnceACopyRestored(SetMembers members, RestoreSetStatus status)
    {
        if (status.LastFailureTime is { } last &&
            members.Live.Any(c => c.Restore.Status is { Phase: Phase.Succeeded, CompletionTime: { } restored } && restored >= last))
        {
            status.ConsecutiveFailures = null;
            status.LastFailureTime = null;
        }
    }

    /// <summary>A copy's pod is handed to its Restore right after the Restore is made; a pass cut short in between left it to finish here.</summary>
    private async Task FinishHandOversAsync(SetMembers members, CancellationToken cancellationToken)
    {
        foreach (var copy in members.Live.Where(c => c.Pod is not null && !c.IsHandedOver))
        {
            var pod = await PodHandover.ToRestoreAsync(resources.Pods, copy.Restore, copy.Pod!, cancellationToken);
            members.Copies[members.Copies.IndexOf(copy)] = copy with { Pod = pod ?? copy.Pod };
        }
    }

    /// <summary>Copies beyond spec.replicas go: those not Ready first, then those of an older template, then the newest.</summary>
    private async Task ScaleDownAsync(RestoreSet set, SetMembers members, CopyTemplate? template, CancellationToken cancellationToken)
    {
        var replicas = set.Spec.EffectiveReplicas;
        var surplus = members.Live
            .OrderBy(c => c.State == CopyState.Ready)
            .ThenBy(c => template is not null && c.TemplateHash == template.Hash)
            .ThenByDescending(c => c.Restore.Metadata.CreationTimestamp)
            .ThenByDescending(c => c.Name, StringComparer.Ordinal)
            .Take(members.Live.Count - replicas)
            .ToList();
        foreach (var copy in surplus)
        {
            await writer.RemoveSurplusCopyAsync(set, members, copy, replicas, cancellationToken);
        }
    }

    /// <summary>While copies are missing and copies failed in a row, the next one waits until the backoff delay has passed.</summary>
    private Failure? Backoff(RestoreSet set, SetMembers members, RestoreSetStatus status, DateTime now) =>
        members.Live.Count < set.Spec.EffectiveReplicas && ReplacementBackoff.Until(status, settings) is { } until && until > now
            ? new Failure(ConditionReasons.ReplacementBackoff,
                $"{status.ConsecutiveFailures} copies failed in a row; the next copy is made at {until:u} at the earliest", Terminal: false)
            : null;

    /// <summary>Missing copies are made, one after the other; the first write the API server refuses stops the pass.</summary>
    private async Task<Failure?> ScaleUpAsync(RestoreSet set, SetMembers members, CopyTemplate template, CancellationToken cancellationToken)
    {
        for (var missing = set.Spec.EffectiveReplicas - members.Live.Count; missing > 0; missing--)
        {
            if (await writer.MakeCopyAsync(set, members, template, cancellationToken) is { } refused)
            {
                return refused;
            }
        }

        return null;
    }

    /// <summary>
    /// The warm pool holds spec.warmPool pods of the current template: pods built for an older template or Checkpoint,
    /// or that ended, go; beyond the size, those not running and the newest go first; missing ones are started. Without
    /// a template (the Checkpoint is missing or not Succeeded) the pods there are kept, up to the size, for a Checkpoint
    /// of the same pod spec may come back, and none is started.
    /// </summary>
    private async Task<Failure?> KeepWarmPoolAsync(RestoreSet set, SetMembers members, CopyTemplate? template, CancellationToken cancellationToken)
    {
        foreach (var warm in members.WarmPods.Where(w => (template is not null && w.TemplateHash != template.Hash) || w.IsGone).ToList())
        {
            if (warm.Pod.Metadata.DeletionTimestamp is not null)
            {
                members.WarmPods.Remove(warm); // on its way out already
                continue;
            }

            await writer.RemoveWarmPodAsync(set, members, warm,
                warm.IsGone ? $"it ended ({warm.Pod.Status?.Phase})" : "it was built for an older template or Checkpoint", cancellationToken);
        }

        var size = set.Spec.EffectiveWarmPool;
        foreach (var warm in members.WarmPods.OrderBy(w => w.IsRunning).ThenByDescending(w => w.Created).Take(members.WarmPods.Count - size).ToList())
        {
            await writer.RemoveWarmPodAsync(set, members, warm, $"the warm pool keeps {size}", cancellationToken);
        }

        while (template is not null && members.WarmPods.Count < size)
        {
            if (await writer.AddWarmPodAsync(set, members, template, cancellationToken) is { } refused)
            {
                return refused;
            }
        }

        return null;
    }

    /// <summary>
    /// Counts what the pass leaves and says why fewer copies are Ready than asked (<paramref name="heldBack"/>: the
    /// Checkpoint, the backoff, or a refused write) in the Ready condition, CheckpointReady and ReplicaFailure.
    /// </summary>
    private async Task WriteStatusAsync(
        RestoreSet set, RestoreSetStatus status, SetMembers members, CopyTemplate? template, Failure? noCheckpoint, Failure? heldBack, Failure? refused,
        DateTime now, CancellationToken cancellationToken)
    {
        var live = members.Live;
        var replicas = set.Spec.EffectiveReplicas;
        var ready = live.Count(c => c.State == CopyState.Ready);
        var warm = members.WarmPods.Where(w => template is null || w.TemplateHash == template.Hash).ToList();
        status.Replicas = live.Count;
        status.ReadyReplicas = ready;
        status.WarmPods = warm.Count;
        status.RunningWarmPods = warm.Count(w => w.IsRunning);
        status.Selector = SelectorOf(set);
        status.Copies = live.Count == 0 ? null : [.. live.OrderBy(c => c.Name, StringComparer.Ordinal).Select(Entry)];

        if (noCheckpoint is null)
        {
            status.SetCondition(ConditionTypes.CheckpointReady, ConditionStatus.True, ConditionReasons.CheckpointSucceeded, $"Checkpoint {set.Spec.CheckpointName} has succeeded", now);
        }
        else
        {
            status.SetCondition(ConditionTypes.CheckpointReady, ConditionStatus.False, noCheckpoint.Reason, $"{noCheckpoint.Message}; no new copies until it has", now);
        }

        var counts = $"{ready} of {replicas} copies Ready" + (live.Count > ready ? $", {live.Count - ready} restoring" : "");
        status.Message = ready == replicas && live.Count == replicas || heldBack is null ? counts : $"{counts}; {heldBack.Message}";
        if (ready == replicas && live.Count == replicas)
        {
            status.SetCondition(ConditionTypes.Ready, ConditionStatus.True, ConditionReasons.AllCopiesReady, status.Message, now);
        }
        else
        {
            status.SetCondition(ConditionTypes.Ready, ConditionStatus.False, heldBack?.Reason ?? ConditionReasons.CopiesNotReady, status.Message, now);
        }

        SetReplicaFailure(status, refused, now);
        if (await StatusWriter.WriteAsync(resources.RestoreSets, set, status, logger, cancellationToken) is not null && refused is not null)
        {
            await events.WarningAsync(set, refused.Reason, refused.Message, cancellationToken);
        }
    }

    /// <summary>True while copies cannot be created, or failed in a row since one last restored; False otherwise.</summary>
    private static void SetReplicaFailure(RestoreSetStatus status, Failure? refused, DateTime now)
    {
        var shown = Conditions.Find(status.Conditions, ConditionTypes.ReplicaFailure);
        if (refused is not null)
        {
            status.SetCondition(ConditionTypes.ReplicaFailure, ConditionStatus.True, refused.Reason, refused.Message, now);
        }
        else if (status.ConsecutiveFailures > 0)
        {
            // The pass that removed the latest failed copy said which one and why; keep that.
            if (shown?.Reason != ConditionReasons.CopyFailed)
            {
                status.SetCondition(ConditionTypes.ReplicaFailure, ConditionStatus.True, ConditionReasons.CopyFailed,
                    $"{status.ConsecutiveFailures} copies failed in a row since a copy last restored", now);
            }
        }
        else
        {
            status.SetCondition(ConditionTypes.ReplicaFailure, ConditionStatus.False, ConditionReasons.NoFailures, "no copy failed since a copy last restored", now);
        }
    }

    private static RestoreSetCopy Entry(Copy copy) => new()
    {
        Name = copy.Name,
        PodName = copy.Restore.Spec.ExistingPod?.Name,
        NodeName = copy.Pod?.Spec.NodeName ?? copy.Restore.Status?.NodeName,
        CheckpointName = copy.Restore.Spec.CheckpointName,
        Phase = copy.Restore.Status?.Phase ?? Phase.Pending,
        Ready = copy.State == CopyState.Ready,
    };
}
