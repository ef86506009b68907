using Cryo.Api;
using k8s;
using k8s.Models;

namespace Cryo.Operator.Restores;

/// <summary>
/// Builds the pod a newPod Restore creates (and the spec a RestoreSet's pods start from): the checkpointed pod's spec (same image, volumes, env), whose
/// restored container runs the placeholder instead of its command. An init container copies the static
/// placeholder program out of the agent image into an emptyDir mounted into that container, so workload
/// images need nothing of Cryo. The pod is owned by the Restore (deleted with it), and declares the readiness
/// gate <see cref="CryoNames.RestoredCondition"/>: a placeholder holds no application, so the pod must not be
/// Ready (nor receive a Service's traffic) until the operator says the restore into its current run succeeded.
/// </summary>
public static class PlaceholderPodBuilder
{
    /// <summary>The placeholder program's path inside the restored container.</summary>
    public const string PlaceholderCommand = CryoNames.PlaceholderMountPath + "/cryo-placeholder";

    /// <summary>Builds the pod.</summary>
    /// <param name="restore">The Restore (owner, target options).</param>
    /// <param name="checkpointedSpec">The pod spec recorded by the Checkpoint.</param>
    /// <param name="containerName">The container that receives the restored processes.</param>
    /// <param name="checkpointName">The Checkpoint's name, for a label.</param>
    /// <param name="placeholderImage">The image carrying the placeholder program (the agent image).</param>
    public static V1Pod Build(Restore restore, V1PodSpec checkpointedSpec, string containerName, string checkpointName, string placeholderImage)
    {
        var target = restore.Spec.NewPod ?? new NewPodTarget();
        var spec = PlaceholderSpec(checkpointedSpec, containerName, placeholderImage);
        spec.NodeName = target.NodeName;
        if (target.NodeSelector is not null)
        {
            spec.NodeSelector = new Dictionary<string, string>(target.NodeSelector);
        }

        var labels = new Dictionary<string, string>(target.Labels ?? new Dictionary<string, string>())
        {
            [CryoNames.RestoreLabel] = restore.Metadata.Name,
            [CryoNames.CheckpointLabel] = checkpointName,
        };
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = PodName(restore),
                NamespaceProperty = restore.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = new Dictionary<string, string> { [CryoNames.PlaceholderContainerAnnotation] = containerName },
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = CryoNames.ApiVersion,
                        Kind = Restore.KindName,
                        Name = restore.Metadata.Name,
                        Uid = restore.Metadata.Uid,
                        Controller = true,
                        BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = spec,
        };
    }

    /// <summary>
    /// The spec of a placeholder pod: a copy of <paramref name="checkpointedSpec"/> whose container
    /// <paramref name="containerName"/> runs the placeholder, with the readiness gate, still pinned to the checkpointed
    /// pod's node (<see cref="Build"/> and a RestoreSet's pods decide their own placement).
    /// </summary>
    public static V1PodSpec PlaceholderSpec(V1PodSpec checkpointedSpec, string containerName, string placeholderImage)
    {
        var spec = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(checkpointedSpec));
        spec.EphemeralContainers = null;
        spec.ReadinessGates =
        [
            .. (spec.ReadinessGates ?? []).Where(g => g.ConditionType != CryoNames.RestoredCondition),
            new V1PodReadinessGate { ConditionType = CryoNames.RestoredCondition },
        ];
        var mount = new V1VolumeMount { Name = CryoNames.PlaceholderVolumeName, MountPath = CryoNames.PlaceholderMountPath };
        spec.Volumes = [.. spec.Volumes ?? [], new V1Volume { Name = CryoNames.PlaceholderVolumeName, EmptyDir = new V1EmptyDirVolumeSource() }];
        spec.InitContainers =
        [
            new V1Container
            {
                Name = CryoNames.PlaceholderInitContainerName,
                Image = placeholderImage,
                Command = ["cp", CryoNames.PlaceholderProgramPath, PlaceholderCommand],
                VolumeMounts = [mount],
            },
            .. spec.InitContainers ?? [],
        ];
        var container = spec.Containers.First(c => c.Name == containerName);
        container.Command = [PlaceholderCommand];
        container.Args = null;

        // Probes would judge the placeholder before the application is back; readiness alone is harmless.
        container.LivenessProbe = null;
        container.StartupProbe = null;
        container.VolumeMounts = [.. container.VolumeMounts ?? [], mount];
        return spec;
    }

    /// <summary>The new pod's name: the one asked for, else the Restore's.</summary>
    public static string PodName(Restore restore) => restore.Spec.NewPod?.Name ?? restore.Metadata.Name;
}
