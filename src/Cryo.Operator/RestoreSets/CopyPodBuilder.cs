using System.Security.Cryptography;
using System.Text;
using Cryo.Api;
using Cryo.Operator.Reconciling;
using Cryo.Operator.Restores;
using k8s;
using k8s.Models;

namespace Cryo.Operator.RestoreSets;

/// <summary>
/// Builds the pods of a RestoreSet: the placeholder pod a newPod Restore would create from the checkpointed pod's spec
/// (<see cref="PlaceholderPodBuilder.PlaceholderSpec"/>), with the set's template laid over it, owned by the set until
/// it is handed to a copy's Restore. Its placeholder waits for a restore without a time limit, since a warm pod may
/// wait hours for its copy. The template may set labels, annotations and the fields that place and schedule a pod
/// (<see cref="PodSpecOverlay"/>), never the container the restored process runs in.
/// </summary>
public static class CopyPodBuilder
{
    /// <summary>The set's pod as of <paramref name="checkpoint"/> (Succeeded, with the pod spec it recorded) and its spec now.</summary>
    public static CopyTemplate Build(RestoreSet set, Checkpoint checkpoint, PlaceholderSource placeholder)
    {
        var checkpointed = checkpoint.Status?.PodSpec ?? throw new ArgumentException($"Checkpoint {checkpoint.Metadata.Name} recorded no pod spec", nameof(checkpoint));
        var containerName = checkpoint.Spec.ContainerName ?? checkpointed.Containers[0].Name;
        var spec = PlaceholderPodBuilder.PlaceholderSpec(checkpointed, containerName, placeholder);
        spec.NodeName = null; // the scheduler places each copy; the checkpointed pod's node is not the set's
        Overlay(spec, set.Spec.Template?.Spec);
        PlaceholderPodBuilder.WaitForever(spec.Containers.First(c => c.Name == containerName));

        var labels = UsersOwn(set.Spec.Template?.Metadata?.Labels);
        var annotations = UsersOwn(set.Spec.Template?.Metadata?.Annotations);
        annotations[CryoNames.PlaceholderContainerAnnotation] = containerName;
        var hash = Hash(spec, labels, annotations);
        labels[CryoNames.RestoreSetLabel] = set.Metadata.Name;
        labels[CryoNames.TemplateHashLabel] = hash;
        labels[CryoNames.CheckpointLabel] = checkpoint.Metadata.Name;
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                NamespaceProperty = set.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = annotations,
                OwnerReferences = [Ownership.ControllerReference(set)],
            },
            Spec = spec,
        };
        return new CopyTemplate(pod, hash, containerName, checkpoint.Metadata.Name);
    }

    /// <summary>Each field the overlay sets replaces the checkpointed pod's.</summary>
    private static void Overlay(V1PodSpec spec, PodSpecOverlay? overlay)
    {
        if (overlay is null)
        {
            return;
        }

        if (overlay.NodeSelector is { } nodeSelector)
        {
            spec.NodeSelector = new Dictionary<string, string>(nodeSelector);
        }

        if (overlay.Tolerations is { } tolerations)
        {
            spec.Tolerations = [.. tolerations];
        }

        if (overlay.Affinity is { } affinity)
        {
            spec.Affinity = affinity;
        }

        if (overlay.TopologySpreadConstraints is { } constraints)
        {
            spec.TopologySpreadConstraints = [.. constraints];
        }

        if (overlay.PriorityClassName is { } priorityClass)
        {
            // Admission refuses a priority that is not its class's: let it compute them from the new class.
            spec.PriorityClassName = priorityClass;
            spec.Priority = null;
            spec.PreemptionPolicy = null;
        }

        if (overlay.RestartPolicy is { } restartPolicy)
        {
            spec.RestartPolicy = restartPolicy;
        }
    }

    /// <summary>The user's labels or annotations, without keys under cryo.io/ (Cryo's own: a copy's selector is made of them).</summary>
    private static Dictionary<string, string> UsersOwn(IDictionary<string, string>? values) =>
        (values ?? new Dictionary<string, string>())
        .Where(kv => !kv.Key.StartsWith(CryoNames.Group + "/", StringComparison.Ordinal))
        .ToDictionary(kv => kv.Key, kv => kv.Value);

    private static string Hash(V1PodSpec spec, Dictionary<string, string> labels, Dictionary<string, string> annotations)
    {
        var json = KubernetesJson.Serialize(new { labels, annotations, spec });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..10];
    }
}
