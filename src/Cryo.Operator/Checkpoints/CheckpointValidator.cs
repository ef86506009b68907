using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Reconciling;

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// Finds what a Checkpoint checkpoints: a running container of a pod in its namespace, the one recorded when
/// checkpointing began (same pod UID, same container ID), and for a chain, a Succeeded parent of the same processes.
/// </summary>
public sealed class CheckpointValidator(CryoResources resources)
{
    /// <summary>The container to checkpoint, or why there is none (terminal, or worth waiting for).</summary>
    public async Task<Found<RunningContainer>> ValidateAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        var ns = checkpoint.Metadata.NamespaceProperty;
        var spec = checkpoint.Spec;
        if (spec.PodNamespace is { } podNs && podNs != ns)
        {
            return new Failure(ConditionReasons.PodInOtherNamespace,
                $"pod {podNs}/{spec.PodName} is in another namespace; a Checkpoint in {ns} may only name a pod in {ns}");
        }

        var pod = await resources.Pods.GetAsync(ns, spec.PodName, cancellationToken);
        var recordedUid = checkpoint.Status?.PodUid;
        if (pod is null)
        {
            return recordedUid is null
                ? new Failure(ConditionReasons.PodNotFound, $"pod {ns}/{spec.PodName} does not exist")
                : new Failure(ConditionReasons.PodChanged, $"pod {ns}/{spec.PodName} (UID {recordedUid}) was deleted");
        }

        if (recordedUid is not null && pod.Metadata.Uid != recordedUid)
        {
            return new Failure(ConditionReasons.PodChanged,
                $"pod {ns}/{spec.PodName} was replaced: UID {pod.Metadata.Uid}, checkpointing began on UID {recordedUid}");
        }

        var target = PodInspector.FindRunningContainer(pod, spec.ContainerName);
        if (target.Failure is not null)
        {
            return target;
        }

        if (checkpoint.Status?.ContainerId is { } recordedContainer && recordedContainer != target.Value.ContainerId)
        {
            return new Failure(ConditionReasons.PodChanged,
                $"container {target.Value.ContainerName} of pod {ns}/{spec.PodName} restarted ({recordedContainer} became {target.Value.ContainerId})");
        }

        // "auto" chose among Succeeded Checkpoints of these very processes; once chosen, the choice is checked like a name.
        if (CheckpointParent.Decided(checkpoint) is { } parent && await ValidateParentAsync(ns, parent, target.Value, cancellationToken) is { } badParent)
        {
            return badParent;
        }

        return target;
    }

    /// <summary>
    /// The parent must have Succeeded, and be of the same processes: the container being checkpointed, as it
    /// runs now (same pod UID, same container ID). A chain stores only the memory changed since the parent.
    /// </summary>
    private async Task<Failure?> ValidateParentAsync(string ns, string parentName, RunningContainer target, CancellationToken cancellationToken)
    {
        var parent = await resources.Checkpoints.GetAsync(ns, parentName, cancellationToken);
        if (parent?.Status is not { Phase: Phase.Succeeded } recorded)
        {
            return parent?.Status?.Phase switch
            {
                _ when parent is null => new Failure(ConditionReasons.ParentNotReady, $"parent Checkpoint {ns}/{parentName} does not exist"),
                Phase.Failed => new Failure(ConditionReasons.ParentNotReady, $"parent Checkpoint {ns}/{parentName} failed"),
                _ => new Failure(ConditionReasons.ParentNotReady, $"parent Checkpoint {ns}/{parentName} has not succeeded yet", Terminal: false),
            };
        }

        return recorded.PodUid == target.Pod.Metadata.Uid && recorded.ContainerId == target.ContainerId
            ? null
            : new Failure(ConditionReasons.ParentMismatch,
                $"parent Checkpoint {ns}/{parentName} is of pod {ns}/{parent.Spec.PodName} (UID {recorded.PodUid}, container {recorded.ContainerId}), " +
                $"not of container {target.ContainerName} of pod {ns}/{target.Pod.Metadata.Name} as it runs now (UID {target.Pod.Metadata.Uid}, container {target.ContainerId}): " +
                "an incremental checkpoint builds on a checkpoint of the same processes");
    }
}
