using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Metrics;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Retention;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Schedules;

/// <summary>
/// Drives a CheckpointSchedule: read the spec, list the schedule's Checkpoints afresh, start the run that is due (at most
/// one: missed runs are not made up one by one, as CronJob), prune the finished Checkpoints beyond the history limits and
/// maxAge that nothing still needs, write the status once, and requeue at the next run's time. A pass run twice creates
/// nothing twice: a run's Checkpoints are named after its scheduled time.
/// </summary>
public sealed class CheckpointScheduleReconciler(
    CryoResources resources,
    CheckpointHolds holds,
    EventRecorder events,
    OperatorMetrics metrics,
    TimeProvider clock,
    ILogger<CheckpointScheduleReconciler> logger) : IReconciler
{
    private readonly CustomResourceClient<CheckpointSchedule, CheckpointScheduleList> schedules = resources.Schedules;

    /// <inheritdoc/>
    public string Kind => CheckpointSchedule.KindName;

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var schedule = await schedules.GetAsync(key.Namespace, key.Name, cancellationToken);
        if (schedule is null || schedule.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done; // its Checkpoints go with it through their owner references
        }

        var settings = ScheduleSpecReader.Read(schedule);
        if (settings.Failure is { } invalid)
        {
            return await InvalidAsync(schedule, invalid, cancellationToken);
        }

        var now = clock.GetUtcNow();
        var status = StatusWriter.Draft(schedule, schedule.Status);
        var owned = await ListOwnedAsync(schedule, cancellationToken);
        var plan = RunPlan.At(settings.Value.Schedule, LastRun(schedule), schedule.Spec.StartingDeadlineSeconds, now);
        var notes = new List<(string Reason, string Message, bool Warning)>();
        owned = schedule.Spec.Suspend == true
            ? owned
            : await RunIfDueAsync(schedule, settings.Value, plan, owned, status, notes, cancellationToken);
        RecordLastSuccess(status, owned);
        owned = await PruneAsync(schedule, settings.Value, owned, now.UtcDateTime, cancellationToken);
        return await WriteStatusAsync(schedule, status, plan, owned, notes, now, cancellationToken);
    }

    /// <summary>The Checkpoints this schedule created, read afresh (the label narrows, the controller reference decides).</summary>
    private async Task<List<Checkpoint>> ListOwnedAsync(CheckpointSchedule schedule, CancellationToken cancellationToken)
    {
        var labelled = await resources.Checkpoints.ListAsync(schedule.Metadata.NamespaceProperty,
            $"{CryoNames.ScheduleLabel}={schedule.Metadata.Name}", cancellationToken);
        return labelled.Items.Where(c => ScheduledCheckpoints.IsOwnedBy(c, schedule)).ToList();
    }

    private static DateTimeOffset LastRun(CheckpointSchedule schedule) =>
        new(DateTime.SpecifyKind(schedule.Status?.LastScheduleTime ?? schedule.Metadata.CreationTimestamp ?? DateTime.MinValue, DateTimeKind.Utc));

    /// <summary>
    /// Starts the due run, if any, under the concurrency policy: Forbid waits while a Checkpoint of the schedule has not
    /// finished (the run stays due until startingDeadlineSeconds passes), Replace deletes those first, Allow goes ahead.
    /// Returns the schedule's Checkpoints as they now are.
    /// </summary>
    private async Task<List<Checkpoint>> RunIfDueAsync(
        CheckpointSchedule schedule, ScheduleSettings settings, RunPlan plan, List<Checkpoint> owned, CheckpointScheduleStatus status,
        List<(string, string, bool)> notes, CancellationToken cancellationToken)
    {
        if (plan.Due is not { } due)
        {
            if (plan.Late is { } late)
            {
                metrics.ScheduleRuns.WithLabels("missed").Inc();
                notes.Add((ConditionReasons.MissedSchedule,
                    $"the run of {Format(late)}{MissedText(plan)} could not start within startingDeadlineSeconds ({schedule.Spec.StartingDeadlineSeconds}); skipped", true));
            }

            return owned;
        }

        var active = owned.Where(IsActive).ToList();
        if (active.Count > 0 && schedule.Spec.EffectiveConcurrencyPolicy == ConcurrencyPolicy.Forbid)
        {
            metrics.ScheduleRuns.WithLabels("waiting").Inc();
            notes.Add((ConditionReasons.RunWaiting,
                $"the run of {Format(due)} waits for Checkpoint {string.Join(", ", active.Select(c => c.Metadata.Name))} to finish (concurrencyPolicy Forbid)", false));
            return owned;
        }

        if (schedule.Spec.EffectiveConcurrencyPolicy == ConcurrencyPolicy.Replace)
        {
            foreach (var old in active)
            {
                if (await resources.Checkpoints.DeleteAsync(old, cancellationToken))
                {
                    metrics.ObjectsDeleted.WithLabels(Checkpoint.KindName, "replace").Inc();
                    await events.NormalAsync(schedule, ConditionReasons.CheckpointReplaced,
                        $"deleted unfinished Checkpoint {old.Metadata.Name} for the run of {Format(due)} (concurrencyPolicy Replace)", cancellationToken);
                }
            }

            owned = owned.Except(active).ToList();
        }

        if (plan.Missed > 0)
        {
            notes.Add((ConditionReasons.MissedSchedule, $"{MissedText(plan)[2..]} missed before the run of {Format(due)}; only that latest one runs", true));
        }

        var created = await StartRunAsync(schedule, settings, due, notes, cancellationToken);
        status.LastScheduleTime = due.UtcDateTime;
        metrics.ScheduleRuns.WithLabels(created.Count == 0 && settings.LabelSelector is not null ? "no_pods" : "started").Inc();
        return [.. owned.Where(c => created.All(n => n.Metadata.Name != c.Metadata.Name)), .. created];
    }

    /// <summary>Creates the run's Checkpoints: of the named pod, or of every Running pod the selector matches.</summary>
    private async Task<List<Checkpoint>> StartRunAsync(
        CheckpointSchedule schedule, ScheduleSettings settings, DateTimeOffset due, List<(string, string, bool)> notes, CancellationToken cancellationToken)
    {
        var ns = schedule.Metadata.NamespaceProperty;
        IEnumerable<(string Pod, bool Selected)> targets;
        if (settings.LabelSelector is { } selector)
        {
            var pods = (await resources.Pods.ListAsync(ns, selector, cancellationToken))
                .Where(p => p.Status?.Phase == "Running" && p.Metadata.DeletionTimestamp is null)
                .Select(p => (p.Metadata.Name, true)).ToList();
            if (pods.Count == 0)
            {
                notes.Add((ConditionReasons.NoPodsMatched, $"the run of {Format(due)} found no Running pod that {selector} selects", true));
            }

            targets = pods;
        }
        else
        {
            targets = [(schedule.Spec.PodName!, false)];
        }

        var created = new List<Checkpoint>();
        foreach (var (pod, selected) in targets)
        {
            if (await CreateAsync(schedule, ScheduledCheckpoints.Build(schedule, due, pod, selected), cancellationToken) is { } checkpoint)
            {
                created.Add(checkpoint);
            }
        }

        return created;
    }

    /// <summary>Creates one Checkpoint; one of that name created by an earlier pass of the same run is taken as it is.</summary>
    private async Task<Checkpoint?> CreateAsync(CheckpointSchedule schedule, Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        try
        {
            var created = await resources.Checkpoints.CreateAsync(checkpoint, cancellationToken);
            metrics.CheckpointsCreated.WithLabels("schedule").Inc();
            await events.NormalAsync(schedule, ConditionReasons.CheckpointCreated,
                $"created Checkpoint {created.Metadata.Name} of pod {created.Spec.PodName}", cancellationToken);
            return created;
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            var existing = await resources.Checkpoints.GetAsync(checkpoint.Metadata.NamespaceProperty, checkpoint.Metadata.Name, cancellationToken);
            if (existing is not null && ScheduledCheckpoints.IsOwnedBy(existing, schedule))
            {
                return existing;
            }

            await events.WarningAsync(schedule, ConditionReasons.CheckpointNameTaken,
                $"Checkpoint {checkpoint.Metadata.Name} exists and was not created by this schedule; that run has no Checkpoint of pod {checkpoint.Spec.PodName}", cancellationToken);
            return null;
        }
    }

    /// <summary>
    /// Deletes the finished Checkpoints beyond the history limits and maxAge, except those something still needs (a
    /// Restore in progress, a child Checkpoint, a RestoreSet: <see cref="CheckpointHolds"/>). Returns the Checkpoints kept.
    /// </summary>
    private async Task<List<Checkpoint>> PruneAsync(
        CheckpointSchedule schedule, ScheduleSettings settings, List<Checkpoint> owned, DateTime now, CancellationToken cancellationToken)
    {
        var beyond = CheckpointHistory.Beyond(schedule.Spec, settings.MaxAge, owned, now);
        var held = await holds.FindAsync(schedule.Metadata.NamespaceProperty, beyond.Select(p => p.Checkpoint.Metadata.Name).ToHashSet(), cancellationToken);
        var deleted = new HashSet<string>();
        foreach (var (checkpoint, reason, why) in beyond)
        {
            if (held.TryGetValue(checkpoint.Metadata.Name, out var need))
            {
                logger.LogDebug("keeping Checkpoint {Namespace}/{Name}, {Why}: {Need}", checkpoint.Metadata.NamespaceProperty, checkpoint.Metadata.Name, why, need);
                continue;
            }

            if (await resources.Checkpoints.DeleteAsync(checkpoint, cancellationToken))
            {
                deleted.Add(checkpoint.Metadata.Name);
                metrics.ObjectsDeleted.WithLabels(Checkpoint.KindName, reason).Inc();
                await events.NormalAsync(schedule, ConditionReasons.CheckpointPruned,
                    $"deleted {checkpoint.Status?.Phase} Checkpoint {checkpoint.Metadata.Name}: {why}", cancellationToken);
            }
        }

        return owned.Where(c => !deleted.Contains(c.Metadata.Name)).ToList();
    }

    /// <summary>Writes what the pass found and did, then records the pass's notes as Events if the status changed.</summary>
    private async Task<ReconcileResult> WriteStatusAsync(
        CheckpointSchedule schedule, CheckpointScheduleStatus status, RunPlan plan, List<Checkpoint> owned,
        List<(string Reason, string Message, bool Warning)> notes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var suspended = schedule.Spec.Suspend == true;
        status.Active = owned.Where(IsActive).Select(c => c.Metadata.Name).Order(StringComparer.Ordinal).ToList();
        if (status.Active.Count == 0)
        {
            status.Active = null;
        }

        status.NextScheduleTime = suspended ? null : plan.Next?.UtcDateTime;
        var summary = suspended
            ? "suspended: no run starts"
            : plan.Next is { } next ? $"next run at {Format(next)}" : "no run will come (the schedule matches no future time)";
        status.Message = string.Join("; ", notes.Select(n => n.Message).Prepend(summary));
        status.SetCondition(ConditionTypes.Ready, suspended ? ConditionStatus.False : ConditionStatus.True,
            suspended ? ConditionReasons.Suspended : ConditionReasons.Scheduled, summary, now.UtcDateTime);
        if (await StatusWriter.WriteAsync(schedules, schedule, status, logger, cancellationToken) is not null)
        {
            foreach (var (reason, message, warning) in notes)
            {
                await (warning ? events.WarningAsync(schedule, reason, message, cancellationToken) : events.NormalAsync(schedule, reason, message, cancellationToken));
            }
        }

        // Suspended: nothing is due until the spec changes, which the watch reports.
        return suspended || plan.Next is not { } due ? ReconcileResult.Done : ReconcileResult.After(due - now);
    }

    /// <summary>The newest Succeeded Checkpoint, before pruning may delete it (with a history of 0 it goes at once).</summary>
    private static void RecordLastSuccess(CheckpointScheduleStatus status, List<Checkpoint> owned)
    {
        var newest = owned.Where(c => c.Status is { Phase: Phase.Succeeded, CompletionTime: not null }).MaxBy(c => c.Status!.CompletionTime);
        if (newest is not null && (status.LastSuccessfulTime is null || newest.Status!.CompletionTime >= status.LastSuccessfulTime))
        {
            status.LastSuccessfulTime = newest.Status!.CompletionTime;
            status.LastSuccessfulCheckpoint = newest.Metadata.Name;
        }
    }

    /// <summary>The spec cannot be read: say why in the Ready condition; a spec change (a watch event) is the next chance.</summary>
    private async Task<ReconcileResult> InvalidAsync(CheckpointSchedule schedule, Failure invalid, CancellationToken cancellationToken)
    {
        var status = StatusWriter.Draft(schedule, schedule.Status);
        status.NextScheduleTime = null;
        status.Message = invalid.Message;
        status.SetCondition(ConditionTypes.Ready, ConditionStatus.False, invalid.Reason, invalid.Message, clock.GetUtcNow().UtcDateTime);
        if (await StatusWriter.WriteAsync(schedules, schedule, status, logger, cancellationToken) is not null)
        {
            await events.WarningAsync(schedule, invalid.Reason, invalid.Message, cancellationToken);
        }

        return ReconcileResult.Done;
    }

    private static bool IsActive(Checkpoint checkpoint) =>
        checkpoint.Metadata.DeletionTimestamp is null && checkpoint.Status?.Phase is not (Phase.Succeeded or Phase.Failed);

    private static string MissedText(RunPlan plan) =>
        plan.Missed switch
        {
            0 => "",
            RunPlan.MissedCountLimit => $", {RunPlan.MissedCountLimit} or more earlier runs",
            1 => ", 1 earlier run",
            var n => $", {n} earlier runs",
        };

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
