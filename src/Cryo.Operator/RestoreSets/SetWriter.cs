using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Metrics;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Restores;
using k8s.Autorest;
using k8s.Models;

namespace Cryo.Operator.RestoreSets;

/// <summary>
/// The writes a RestoreSet pass makes on what the set owns, each with its Event on the set and its metric: copies made
/// (into a warm pod, or a new one), handed over, removed; warm pods started and deleted. Each keeps
/// <see cref="SetMembers"/> up to date for the status the pass writes.
/// </summary>
public sealed class SetWriter(CryoResources resources, EventRecorder events, OperatorMetrics metrics)
{
    /// <summary>Where a copy's pod came from, as the metric counts it.</summary>
    private const string FromWarmPool = "warm_pool";
    private const string FromNewPod = "new_pod";

    /// <summary>
    /// Makes one copy. It takes a warm pod of the current template when there is one (a running one first, the one
    /// that waited longest), else creates a pod; the copy's Restore takes the pod's name and names it as its existingPod
    /// target; then the pod is handed to the Restore. Returns why not when the API server refused a write: a pod
    /// created here and not handed over stays, a warm pod for the next attempt.
    /// </summary>
    public async Task<Failure?> MakeCopyAsync(RestoreSet set, SetMembers members, CopyTemplate template, CancellationToken cancellationToken)
    {
        var warm = members.WarmPods.Where(w => w.TemplateHash == template.Hash && !w.IsGone)
            .OrderByDescending(w => w.IsRunning).ThenBy(w => w.Created).ThenBy(w => w.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        V1Pod pod;
        if (warm is not null)
        {
            members.WarmPods.Remove(warm);
            pod = warm.Pod;
        }
        else
        {
            var created = await CreatePodAsync(template.NewPod(CopyNames.New(set)), cancellationToken);
            if (created.Failure is { } refused)
            {
                return refused;
            }

            pod = created.Value;
        }

        Restore restore;
        try
        {
            restore = await resources.Restores.CreateAsync(NewRestore(set, pod, template), cancellationToken);
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            // A Restore of the pod's name that the set did not list is not the set's: this pod cannot be a copy under
            // its name. It goes; the next copy gets a pod of another name.
            await resources.Pods.DeleteAsync(pod, cancellationToken);
            return new Failure(ConditionReasons.CreateFailed,
                $"Restore {pod.Metadata.Name} exists and is not this set's; pod {pod.Metadata.Name} was deleted and the next copy gets another name", Terminal: false);
        }
        catch (HttpOperationException e)
        {
            members.WarmPods.Add(new WarmPod(pod));
            return new Failure(ConditionReasons.CreateFailed,
                $"creating the Restore of a copy was refused: {ApiErrors.Message(e).Replace(pod.Metadata.Name, $"{set.Metadata.Name}-<random>", StringComparison.Ordinal)}", Terminal: false);
        }

        var handedOver = await PodHandover.ToRestoreAsync(resources.Pods, restore, pod, cancellationToken) ?? pod;
        members.Copies.Add(Copy.Of(restore, handedOver));
        var source = warm is null ? FromNewPod : FromWarmPool;
        metrics.RestoreSetCopiesCreated.WithLabels(source).Inc();
        var into = warm is null ? $"a new pod {pod.Metadata.Name}"
            : warm.IsRunning ? $"warm pod {pod.Metadata.Name}, whose placeholder runs"
            : $"warm pod {pod.Metadata.Name}, whose placeholder is starting";
        await events.NormalAsync(set, ConditionReasons.CopyCreated, $"made copy {restore.Metadata.Name} of Checkpoint {template.CheckpointName} in {into}", cancellationToken);
        return null;
    }

    /// <summary>Removes a copy whose Restore Failed; the caller counts it for the backoff.</summary>
    public Task RemoveFailedCopyAsync(RestoreSet set, SetMembers members, Copy copy, int failuresInARow, DateTime nextCopy, CancellationToken cancellationToken) =>
        RemoveCopyAsync(set, members, copy, "failed", () => events.WarningAsync(set, ConditionReasons.CopyFailed,
            $"copy {copy.Name} failed ({failuresInARow} in a row) and was removed; the next copy is made at {nextCopy:u} at the earliest. Its Restore said: {copy.Why}",
            cancellationToken), cancellationToken);

    /// <summary>Removes a copy whose application or pod ended for good.</summary>
    public Task RemoveEndedCopyAsync(RestoreSet set, SetMembers members, Copy copy, CancellationToken cancellationToken) =>
        RemoveCopyAsync(set, members, copy, "ended", () => events.NormalAsync(set, ConditionReasons.CopyEnded,
            $"copy {copy.Name} ended ({copy.Why}) and was removed; a new copy replaces it", cancellationToken), cancellationToken);

    /// <summary>Removes a copy the set has one too many of.</summary>
    public Task RemoveSurplusCopyAsync(RestoreSet set, SetMembers members, Copy copy, int replicas, CancellationToken cancellationToken) =>
        RemoveCopyAsync(set, members, copy, "scaled_down", () => events.NormalAsync(set, ConditionReasons.CopyDeleted,
            $"deleted copy {copy.Name} ({(copy.State == CopyState.Ready ? "Ready" : "not Ready")}): the set keeps {replicas}", cancellationToken), cancellationToken);

    /// <summary>Starts a warm pod of the current template.</summary>
    public async Task<Failure?> AddWarmPodAsync(RestoreSet set, SetMembers members, CopyTemplate template, CancellationToken cancellationToken)
    {
        var created = await CreatePodAsync(template.NewPod(CopyNames.New(set)), cancellationToken);
        if (created.Failure is { } refused)
        {
            return refused;
        }

        members.WarmPods.Add(new WarmPod(created.Value));
        await events.NormalAsync(set, ConditionReasons.WarmPodCreated,
            $"created warm pod {created.Value.Metadata.Name} for the next copy of Checkpoint {template.CheckpointName}", cancellationToken);
        return null;
    }

    /// <summary>Deletes a warm pod, for the reason <paramref name="why"/> says.</summary>
    public async Task RemoveWarmPodAsync(RestoreSet set, SetMembers members, WarmPod warm, string why, CancellationToken cancellationToken)
    {
        members.WarmPods.Remove(warm);
        if (await resources.Pods.DeleteAsync(warm.Pod, cancellationToken))
        {
            await events.NormalAsync(set, ConditionReasons.WarmPodDeleted, $"deleted warm pod {warm.Name}: {why}", cancellationToken);
        }
    }

    /// <summary>
    /// Deletes the copy's Restore (a pod handed over goes with it through its owner reference), and its pod when it was
    /// not handed over yet.
    /// </summary>
    private async Task RemoveCopyAsync(RestoreSet set, SetMembers members, Copy copy, string cause, Func<Task> recordEvent, CancellationToken cancellationToken)
    {
        members.Copies.Remove(copy);
        var deleted = await resources.Restores.DeleteAsync(copy.Restore, cancellationToken);
        if (copy.Pod is { } pod && Ownership.IsControlledBy(pod.Metadata, set))
        {
            await resources.Pods.DeleteAsync(pod, cancellationToken);
        }

        if (deleted)
        {
            metrics.RestoreSetCopiesRemoved.WithLabels(cause).Inc();
            await recordEvent();
        }
    }

    /// <summary>The Restore of a copy into <paramref name="pod"/>: of the pod's name, owned by the set, labelled with it and the pod's template.</summary>
    private static Restore NewRestore(RestoreSet set, V1Pod pod, CopyTemplate template) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = pod.Metadata.Name,
            NamespaceProperty = set.Metadata.NamespaceProperty,
            Labels = new Dictionary<string, string>
            {
                [CryoNames.RestoreSetLabel] = set.Metadata.Name,
                [CryoNames.TemplateHashLabel] = pod.Metadata.Labels?.TryGetValue(CryoNames.TemplateHashLabel, out var hash) == true ? hash : template.Hash,
            },
            OwnerReferences = [Ownership.ControllerReference(set)],
        },
        Spec = new RestoreSpec
        {
            CheckpointName = template.CheckpointName,
            ExistingPod = new ExistingPodTarget { Name = pod.Metadata.Name, ContainerName = template.ContainerName },
            // Not part of the template's hash: how memory arrives does not change the pod, so warm pods stay usable when it changes.
            Lazy = set.Spec.Lazy == true ? true : null,
        },
    };

    private async Task<Found<V1Pod>> CreatePodAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        try
        {
            return await resources.Pods.CreateAsync(pod, cancellationToken);
        }
        catch (HttpOperationException e)
        {
            // The pod's random name would make each retry's status differ; what was refused, and why, does not.
            var generated = $"{pod.Metadata.Labels[CryoNames.RestoreSetLabel]}-<random>";
            return new Failure(ConditionReasons.CreateFailed,
                $"creating a pod was refused: {ApiErrors.Message(e).Replace(pod.Metadata.Name, generated, StringComparison.Ordinal)}", Terminal: false);
        }
    }
}
