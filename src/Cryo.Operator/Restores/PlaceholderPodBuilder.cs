using Cryo.Api;
using Cryo.Operator.Reconciling;
using k8s;
using k8s.Models;

namespace Cryo.Operator.Restores;

/// <summary>
/// Builds the pod a newPod Restore creates (and the spec a RestoreSet's pods start from): the checkpointed pod's spec (same image, volumes, env), whose
/// restored container runs the placeholder instead of its command, so workload images need nothing of Cryo. The
/// static placeholder program comes (<see cref="PlaceholderSource"/>) from a read-only CSI ephemeral volume of the
/// agent's driver at <c>/.cryo</c>, with a writable emptyDir over its <c>handoff</c> directory for the agent's
/// handoff file; or, as a fallback, from an init container that copies it out of the agent image into an emptyDir
/// at <c>/.cryo</c>, which costs the kubelet a second pass before the placeholder starts. Either way the pod stays
/// within the Pod Security level the checkpointed pod met: a <c>csi</c> and an <c>emptyDir</c> volume are allowed
/// even under <c>restricted</c>, and the init container runs as a non-root user, without privilege escalation or
/// capabilities, with the runtime's seccomp profile. The pod is owned by the Restore (deleted with it), and declares the readiness
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
    /// <param name="placeholder">Where the placeholder program comes from.</param>
    public static V1Pod Build(Restore restore, V1PodSpec checkpointedSpec, string containerName, string checkpointName, PlaceholderSource placeholder)
    {
        ArgumentNullException.ThrowIfNull(restore);
        var target = restore.Spec.NewPod ?? new NewPodTarget();
        var spec = PlaceholderSpec(checkpointedSpec, containerName, placeholder);
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
                OwnerReferences = [Ownership.ControllerReference(restore)],
            },
            Spec = spec,
        };
    }

    /// <summary>
    /// Makes the placeholder in <paramref name="container"/> wait for its restore without a time limit, for a pod made in
    /// advance that may wait long: a RestoreSet's warm pod, a Migration's target pod during the live transfer. Whoever
    /// made it deletes it when no restore will come.
    /// </summary>
    public static void WaitForever(V1Container container)
    {
        ArgumentNullException.ThrowIfNull(container);
        container.Env =
        [
            .. (container.Env ?? []).Where(e => e.Name != CryoNames.PlaceholderTimeoutVariable),
            new V1EnvVar { Name = CryoNames.PlaceholderTimeoutVariable, Value = "0" },
        ];
    }

    /// <summary>
    /// The spec of a placeholder pod: a copy of <paramref name="checkpointedSpec"/> whose container
    /// <paramref name="containerName"/> runs the placeholder, with the readiness gate, still pinned to the checkpointed
    /// pod's node (<see cref="Build"/> and a RestoreSet's pods decide their own placement).
    /// </summary>
    public static V1PodSpec PlaceholderSpec(V1PodSpec checkpointedSpec, string containerName, PlaceholderSource placeholder)
    {
        ArgumentNullException.ThrowIfNull(placeholder);
        var spec = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(checkpointedSpec));
        spec.EphemeralContainers = null;
        spec.ReadinessGates =
        [
            .. (spec.ReadinessGates ?? []).Where(g => g.ConditionType != CryoNames.RestoredCondition),
            new V1PodReadinessGate { ConditionType = CryoNames.RestoredCondition },
        ];
        var container = spec.Containers.First(c => c.Name == containerName);
        WithoutEarlierPlaceholder(spec, container);
        if (placeholder.Delivery == PlaceholderDelivery.Csi)
        {
            DeliverThroughCsi(spec, container, placeholder.CsiDriver);
        }
        else
        {
            DeliverThroughInitContainer(spec, container, placeholder.Image);
        }

        container.Command = [PlaceholderCommand];
        container.Args = null;

        // Probes would judge the placeholder before the application is back; readiness alone is harmless.
        container.LivenessProbe = null;
        container.StartupProbe = null;
        return spec;
    }

    // The read-only volume holds the program and the mount point of the writable handoff emptyDir; the kubelet sets
    // both up before it starts the sandbox, in the pass that starts the containers.
    private static void DeliverThroughCsi(V1PodSpec spec, V1Container container, string driver)
    {
        spec.Volumes =
        [
            .. spec.Volumes ?? [],
            new V1Volume
            {
                Name = CryoNames.PlaceholderVolumeName,
                Csi = new V1CSIVolumeSource
                {
                    Driver = driver,
                    ReadOnlyProperty = true,
                    VolumeAttributes = new Dictionary<string, string> { ["contents"] = "placeholder" },
                },
            },
            new V1Volume { Name = CryoNames.PlaceholderHandoffVolumeName, EmptyDir = new V1EmptyDirVolumeSource() },
        ];
        container.VolumeMounts =
        [
            .. container.VolumeMounts ?? [],
            new V1VolumeMount { Name = CryoNames.PlaceholderVolumeName, MountPath = CryoNames.PlaceholderMountPath, ReadOnlyProperty = true },
            new V1VolumeMount { Name = CryoNames.PlaceholderHandoffVolumeName, MountPath = CryoNames.PlaceholderHandoffMountPath },
        ];
    }

    private static void DeliverThroughInitContainer(V1PodSpec spec, V1Container container, string image)
    {
        var mount = new V1VolumeMount { Name = CryoNames.PlaceholderVolumeName, MountPath = CryoNames.PlaceholderMountPath };
        spec.Volumes = [.. spec.Volumes ?? [], new V1Volume { Name = CryoNames.PlaceholderVolumeName, EmptyDir = new V1EmptyDirVolumeSource() }];
        spec.InitContainers =
        [
            new V1Container
            {
                Name = CryoNames.PlaceholderInitContainerName,
                Image = image,
                Command = ["cp", CryoNames.PlaceholderProgramPath, PlaceholderCommand],
                VolumeMounts = [mount],
                SecurityContext = InstallerSecurityContext(spec, container),
            },
            .. spec.InitContainers ?? [],
        ];
        container.VolumeMounts = [.. container.VolumeMounts ?? [], mount];
    }

    /// <summary>
    /// The copy needs no privilege: it reads a world-readable file and writes into a world-writable emptyDir. So it
    /// runs as the workload's own user (or nobody, when the workload runs as root or leaves its user to its image),
    /// never root — the agent image's user is root, which a pod-level <c>runAsNonRoot</c> would refuse at start —
    /// with what the <c>restricted</c> Pod Security level asks of every container.
    /// </summary>
    private static V1SecurityContext InstallerSecurityContext(V1PodSpec spec, V1Container container)
    {
        var user = container.SecurityContext?.RunAsUser ?? spec.SecurityContext?.RunAsUser;
        return new V1SecurityContext
        {
            RunAsNonRoot = true,
            RunAsUser = user is null or 0 ? NobodyUser : user,
            AllowPrivilegeEscalation = false,
            Privileged = false,
            ReadOnlyRootFilesystem = true,
            Capabilities = new V1Capabilities { Drop = ["ALL"] },
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        };
    }

    /// <summary>The user the init container runs as when the workload names none but root: nobody.</summary>
    public const long NobodyUser = 65534;

    // A checkpoint of a restored pod records the restore pod's spec: drop the placeholder it was given, or the new pod
    // would declare the volumes twice, which the API server refuses.
    private static void WithoutEarlierPlaceholder(V1PodSpec spec, V1Container container)
    {
        string[] names = [CryoNames.PlaceholderVolumeName, CryoNames.PlaceholderHandoffVolumeName];
        spec.Volumes = spec.Volumes?.Where(v => !names.Contains(v.Name)).ToList();
        spec.InitContainers = spec.InitContainers?.Where(c => c.Name != CryoNames.PlaceholderInitContainerName).ToList();
        container.VolumeMounts = container.VolumeMounts?.Where(m => !names.Contains(m.Name)).ToList();
    }

    /// <summary>The new pod's name: the one asked for, else the Restore's.</summary>
    public static string PodName(Restore restore) => restore.Spec.NewPod?.Name ?? restore.Metadata.Name;
}
