using System.Text.Json.Nodes;
using k8s;

namespace Cryo.Testing.Node;

/// <summary>
/// A pod as the kubelet receives it from the API server: a copy of the given V1Pod with what the API server's
/// defaulting and ServiceAccount admission would have added (UID, namespace, termination message path, the
/// projected <c>kube-api-access-…</c> volume and its read-only mounts), checked for what the harness can run.
/// </summary>
public sealed class PodPlan
{
    /// <summary>Where the ServiceAccount admission mounts the token, CA and namespace.</summary>
    public const string ServiceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The default <c>terminationMessagePath</c>.</summary>
    public const string DefaultTerminationMessagePath = "/dev/termination-log";

    private PodPlan(V1Pod pod)
    {
        Pod = pod;
    }

    /// <summary>The pod as run (defaults filled in).</summary>
    public V1Pod Pod { get; }

    /// <summary>metadata.uid.</summary>
    public string Uid => Pod.Metadata.Uid;

    /// <summary>metadata.name.</summary>
    public string Name => Pod.Metadata.Name;

    /// <summary>metadata.namespace.</summary>
    public string Namespace => Pod.Metadata.NamespaceProperty;

    /// <summary><c>namespace/name</c>, for messages.</summary>
    public string FullName => $"{Namespace}/{Name}";

    /// <summary>The QoS class the kubelet computes.</summary>
    public string QosClass => KubeletQos.QosClass(Pod.Spec);

    /// <summary>The pod's cgroup (cgroupfs driver), e.g. <c>/kubepods/besteffort/pod&lt;uid&gt;</c>.</summary>
    public string CgroupParent => KubeletQos.CgroupParent(QosClass, Uid);

    /// <summary>Copies, defaults and validates <paramref name="pod"/>.</summary>
    /// <exception cref="NotSupportedException">The pod uses something the harness does not do (the message says what).</exception>
    /// <exception cref="ArgumentException">The pod is invalid (no name, no containers, duplicate names…).</exception>
    public static PodPlan Create(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var copy = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod));
        copy.Metadata ??= new V1ObjectMeta();
        copy.Spec ??= new V1PodSpec();
        var meta = copy.Metadata;
        if (string.IsNullOrEmpty(meta.Name))
        {
            meta.Name = string.IsNullOrEmpty(meta.GenerateName)
                ? throw new ArgumentException("the pod has neither metadata.name nor metadata.generateName", nameof(pod))
                : meta.GenerateName + Guid.NewGuid().ToString("N")[..5];
        }

        meta.NamespaceProperty = string.IsNullOrEmpty(meta.NamespaceProperty) ? "default" : meta.NamespaceProperty;
        meta.Uid = string.IsNullOrEmpty(meta.Uid) ? Guid.NewGuid().ToString() : meta.Uid;
        var plan = new PodPlan(copy);
        plan.Validate();
        plan.ApplyDefaults();
        return plan;
    }

    /// <summary>The init containers, in order.</summary>
    public IReadOnlyList<V1Container> InitContainers => (IReadOnlyList<V1Container>?)Pod.Spec.InitContainers ?? [];

    /// <summary>The regular containers, in order.</summary>
    public IReadOnlyList<V1Container> Containers => (IReadOnlyList<V1Container>)Pod.Spec.Containers;

    private void ApplyDefaults()
    {
        var spec = Pod.Spec;
        spec.DnsPolicy ??= "ClusterFirst";
        spec.RestartPolicy ??= "Always";
        spec.TerminationGracePeriodSeconds ??= 30;
        spec.EnableServiceLinks ??= true;
        spec.SecurityContext ??= new V1PodSecurityContext();
        spec.ServiceAccountName ??= "default";
        foreach (var container in InitContainers.Concat(Containers))
        {
            container.TerminationMessagePath ??= DefaultTerminationMessagePath;
            container.TerminationMessagePolicy ??= "File";
            container.ImagePullPolicy ??= "IfNotPresent";
        }

        AddServiceAccountVolume();
    }

    // The ServiceAccount admission plugin: a projected volume with the token, the cluster CA and the namespace,
    // mounted read-only into every container that has nothing mounted at that path yet.
    private void AddServiceAccountVolume()
    {
        var spec = Pod.Spec;
        if (spec.AutomountServiceAccountToken == false)
        {
            return;
        }

        var containers = InitContainers.Concat(Containers).ToList();
        var existing = spec.Volumes?.FirstOrDefault(v => v.Name.StartsWith("kube-api-access-", StringComparison.Ordinal) && v.Projected is not null);
        var name = existing?.Name ?? "kube-api-access-" + Guid.NewGuid().ToString("N")[..5];
        if (existing is null)
        {
            spec.Volumes = [.. spec.Volumes ?? [], ServiceAccountVolume(name)];
        }

        foreach (var container in containers.Where(c => c.VolumeMounts?.Any(m => m.MountPath.TrimEnd('/') == ServiceAccountMountPath) != true))
        {
            container.VolumeMounts = [.. container.VolumeMounts ?? [], new V1VolumeMount { Name = name, MountPath = ServiceAccountMountPath, ReadOnlyProperty = true }];
        }
    }

    private static V1Volume ServiceAccountVolume(string name) => new()
    {
        Name = name,
        Projected = new V1ProjectedVolumeSource
        {
            DefaultMode = Convert.ToInt32("644", 8),
            Sources =
            [
                new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { ExpirationSeconds = 3607, Path = "token" } },
                new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "kube-root-ca.crt", Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] } },
                new V1VolumeProjection
                {
                    DownwardAPI = new V1DownwardAPIProjection
                    {
                        Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.namespace" } }],
                    },
                },
            ],
        },
    };

    private void Validate()
    {
        var spec = Pod.Spec;
        if (spec.Containers is null || spec.Containers.Count == 0)
        {
            throw new ArgumentException($"pod {FullName} has no containers");
        }

        var names = InitContainers.Concat(Containers).Select(c => c.Name).ToList();
        if (names.Any(string.IsNullOrEmpty) || names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            throw new ArgumentException($"pod {FullName}: every container needs a name of its own ({string.Join(", ", names)})");
        }

        Unsupported(spec.HostNetwork == true, "hostNetwork");
        Unsupported(spec.HostPID == true, "hostPID");
        Unsupported(spec.HostIPC == true, "hostIPC");
        Unsupported(spec.HostUsers == false, "hostUsers: false (user namespaces)");
        Unsupported(spec.EphemeralContainers?.Count > 0, "ephemeral containers");
        Unsupported(spec.SecurityContext?.SeccompProfile?.Type == "Localhost", "a Localhost seccomp profile");
        var volumes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var volume in spec.Volumes ?? [])
        {
            ValidateVolume(volume);
            volumes.Add(volume.Name);
        }

        foreach (var container in InitContainers.Concat(Containers))
        {
            ValidateContainer(container, volumes);
        }
    }

    private void ValidateVolume(V1Volume volume)
    {
        if (volume.EmptyDir is not null || volume.HostPath is not null)
        {
            return;
        }

        if (volume.Projected is { } projected)
        {
            foreach (var source in projected.Sources ?? [])
            {
                var supported = source.ServiceAccountToken is not null
                    || source.ConfigMap?.Name == "kube-root-ca.crt"
                    || source.DownwardAPI?.Items?.All(i => i.FieldRef is not null && DownwardApi.Supports(i.FieldRef.FieldPath)) == true;
                Unsupported(!supported, $"projected volume '{volume.Name}' with a source other than a serviceAccountToken, the kube-root-ca.crt ConfigMap or downward API metadata fields");
            }

            return;
        }

        if (volume.Csi is { } csi)
        {
            // Ephemeral inline only: the kubelet calls the driver, registered with the node (NodeFixture.Csi).
            Unsupported(csi.NodePublishSecretRef is not null, $"csi volume '{volume.Name}' with a nodePublishSecretRef");
            return;
        }

        var json = JsonNode.Parse(KubernetesJson.Serialize(volume))!.AsObject();
        var kind = json.Select(p => p.Key).FirstOrDefault(k => k != "name") ?? "(none)";
        throw new NotSupportedException($"pod {FullName}: volume '{volume.Name}' is of type {kind}; the node harness runs emptyDir, hostPath, csi (ephemeral inline) and the ServiceAccount's projected volume only");
    }

    private void ValidateContainer(V1Container container, HashSet<string> volumes)
    {
        var what = $"container '{container.Name}'";
        if (string.IsNullOrEmpty(container.Image))
        {
            throw new ArgumentException($"pod {FullName}: {what} has no image");
        }

        Unsupported(container.RestartPolicy is not null, $"{what}: restartPolicy (sidecar init containers)");
        Unsupported(container.Lifecycle?.PostStart is not null || container.Lifecycle?.PreStop is not null, $"{what}: lifecycle hooks");
        Unsupported(container.EnvFrom?.Count > 0, $"{what}: envFrom");
        Unsupported(container.VolumeDevices?.Count > 0, $"{what}: volumeDevices");
        Unsupported(container.Ports?.Any(p => p.HostPort is > 0) == true, $"{what}: hostPort (no port mappings)");
        Unsupported(container.SecurityContext?.SeccompProfile?.Type == "Localhost", $"{what}: a Localhost seccomp profile");
        foreach (var env in container.Env ?? [])
        {
            Unsupported(env.ValueFrom is not null && (env.ValueFrom.FieldRef is null || !DownwardApi.Supports(env.ValueFrom.FieldRef.FieldPath) && !DownwardApi.IsStatus(env.ValueFrom.FieldRef.FieldPath)),
                $"{what}: env {env.Name} from something other than a metadata, spec.nodeName, spec.serviceAccountName or status IP field");
        }

        foreach (var mount in container.VolumeMounts ?? [])
        {
            if (!volumes.Contains(mount.Name))
            {
                throw new ArgumentException($"pod {FullName}: {what} mounts volume '{mount.Name}', which the pod does not have");
            }

            Unsupported(!string.IsNullOrEmpty(mount.SubPath) || !string.IsNullOrEmpty(mount.SubPathExpr), $"{what}: subPath mounts");
        }
    }

    private void Unsupported(bool condition, string what)
    {
        if (condition)
        {
            throw new NotSupportedException($"pod {FullName}: the node harness does not support {what}");
        }
    }
}
