using System.Globalization;
using k8s;

namespace Cryo.Testing.Node;

/// <summary>
/// The CRI requests the kubelet builds from a pod (pkg/kubelet/kuberuntime: <c>generatePodSandboxConfig</c>,
/// <c>generateContainerConfig</c>, <c>determineEffectiveSecurityContext</c>), for a kubeadm-style cluster
/// (cluster DNS 10.96.0.10, domain cluster.local), with the cgroupfs driver and no seccomp default.
/// </summary>
public static class KubeletConfigs
{
    /// <summary>The cluster DNS Service's IP.</summary>
    public const string ClusterDns = "10.96.0.10";

    /// <summary>The cluster domain.</summary>
    public const string ClusterDomain = "cluster.local";

    /// <summary>Paths the kubelet asks the runtime to mask in every unprivileged container (procMount Default).</summary>
    public static readonly IReadOnlyList<string> MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    /// <summary>Paths the kubelet asks the runtime to make read-only in every unprivileged container.</summary>
    public static readonly IReadOnlyList<string> ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>The sandbox's hostname: <c>spec.hostname</c>, else the pod's name cut to 63 characters.</summary>
    public static string Hostname(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var name = string.IsNullOrEmpty(pod.Spec.Hostname) ? pod.Metadata.Name : pod.Spec.Hostname;
        return name.Length <= 63 ? name : name[..63].TrimEnd('-', '.');
    }

    /// <summary>The pod's domain when it names a subdomain (<c>sub.ns.svc.cluster.local</c>), else empty.</summary>
    public static string Domain(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return string.IsNullOrEmpty(pod.Spec.Subdomain) ? "" : $"{pod.Spec.Subdomain}.{pod.Metadata.NamespaceProperty}.svc.{ClusterDomain}";
    }

    /// <summary>The RunPodSandbox configuration.</summary>
    public static PodSandboxConfig Sandbox(PodPlan plan, string logDirectory)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var pod = plan.Pod;
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = plan.Name, Namespace = plan.Namespace, Uid = plan.Uid, Attempt = 0 },
            Hostname = Hostname(pod),
            LogDirectory = logDirectory,
            DnsConfig = Dns(pod),
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = plan.CgroupParent,
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = Namespaces(pod),
                    Privileged = plan.InitContainers.Concat(plan.Containers).Any(c => c.SecurityContext?.Privileged == true),
                    // The kubelet always runs the sandbox under the runtime's default seccomp profile.
                    Seccomp = new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.RuntimeDefault },
                },
            },
        };
        var podSecurity = pod.Spec.SecurityContext;
        if (podSecurity?.RunAsUser is { } user)
        {
            config.Linux.SecurityContext.RunAsUser = new Int64Value { Value = user };
        }

        if (podSecurity?.RunAsGroup is { } group)
        {
            config.Linux.SecurityContext.RunAsGroup = new Int64Value { Value = group };
        }

        config.Linux.SecurityContext.SupplementalGroups.AddRange(SupplementalGroups(pod));
        foreach (var sysctl in podSecurity?.Sysctls ?? [])
        {
            config.Linux.Sysctls[sysctl.Name] = sysctl.Value;
        }

        foreach (var (key, value) in pod.Metadata.Labels ?? new Dictionary<string, string>())
        {
            config.Labels[key] = value;
        }

        config.Labels["io.kubernetes.pod.name"] = plan.Name;
        config.Labels["io.kubernetes.pod.namespace"] = plan.Namespace;
        config.Labels["io.kubernetes.pod.uid"] = plan.Uid;
        foreach (var (key, value) in pod.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            config.Annotations[key] = value;
        }

        config.Annotations["kubernetes.io/config.source"] = "api";
        config.Annotations["kubernetes.io/config.seen"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture);
        return config;
    }

    /// <summary>The CreateContainer configuration of one container instance.</summary>
    /// <param name="plan">The pod.</param>
    /// <param name="container">The container.</param>
    /// <param name="attempt">The restart count (0 for the first instance): the log is <c>name/attempt.log</c>.</param>
    /// <param name="image">The image as the CRI reports it (the kubelet creates containers from the image ID).</param>
    /// <param name="mounts">Volume mounts, <c>/etc/hosts</c> and the termination log, in the kubelet's order.</param>
    /// <param name="environment">The resolved environment.</param>
    /// <param name="memoryCapacity">The node's memory, for Burstable OOM scores.</param>
    public static ContainerConfig Container(PodPlan plan, V1Container container, uint attempt, Image image, IEnumerable<Mount> mounts,
        IReadOnlyList<KeyValuePair<string, string>> environment, long memoryCapacity)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(image);
        var resources = KubeletQos.ForContainer(container, plan.QosClass, memoryCapacity);
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = container.Name, Attempt = attempt },
            Image = new ImageSpec { Image = image.Id },
            WorkingDir = container.WorkingDir ?? "",
            LogPath = $"{container.Name}/{attempt.ToString(CultureInfo.InvariantCulture)}.log",
            Stdin = container.Stdin == true,
            StdinOnce = container.StdinOnce == true,
            Tty = container.Tty == true,
            Linux = new LinuxContainerConfig
            {
                Resources = new LinuxContainerResources
                {
                    CpuShares = resources.CpuShares,
                    CpuQuota = resources.CpuQuota,
                    CpuPeriod = resources.CpuPeriod,
                    MemoryLimitInBytes = resources.MemoryLimit,
                    OomScoreAdj = resources.OomScoreAdj,
                },
                SecurityContext = SecurityContext(plan.Pod, container, image),
            },
        };
        config.Command.AddRange(KubeletEnvironment.ExpandAll(container.Command, environment));
        config.Args.AddRange(KubeletEnvironment.ExpandAll(container.Args, environment));
        config.Envs.AddRange(environment.Select(e => new KeyValue { Key = e.Key, Value = e.Value }));
        config.Mounts.AddRange(mounts);
        config.Labels["io.kubernetes.container.name"] = container.Name;
        config.Labels["io.kubernetes.pod.name"] = plan.Name;
        config.Labels["io.kubernetes.pod.namespace"] = plan.Namespace;
        config.Labels["io.kubernetes.pod.uid"] = plan.Uid;
        config.Annotations["io.kubernetes.container.hash"] = ContainerHash(container);
        config.Annotations["io.kubernetes.container.restartCount"] = attempt.ToString(CultureInfo.InvariantCulture);
        config.Annotations["io.kubernetes.container.terminationMessagePath"] = container.TerminationMessagePath ?? "";
        config.Annotations["io.kubernetes.container.terminationMessagePolicy"] = container.TerminationMessagePolicy ?? "File";
        config.Annotations["io.kubernetes.pod.terminationGracePeriod"] = (plan.Pod.Spec.TerminationGracePeriodSeconds ?? 30).ToString(CultureInfo.InvariantCulture);
        if (container.Ports?.Count > 0)
        {
            config.Annotations["io.kubernetes.container.ports"] = KubernetesJson.Serialize(container.Ports);
        }

        return config;
    }

    /// <summary>The namespaces of the sandbox and its containers: network and IPC the pod's; PID the container's own unless shareProcessNamespace.</summary>
    public static NamespaceOption Namespaces(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return new NamespaceOption
        {
            Network = NamespaceMode.Pod,
            Ipc = NamespaceMode.Pod,
            Pid = pod.Spec.ShareProcessNamespace == true ? NamespaceMode.Pod : NamespaceMode.Container,
        };
    }

    /// <summary>The DNS configuration for the dnsPolicy (ClusterFirst: cluster DNS and search path; Default: the node's; None: dnsConfig only), merged with dnsConfig.</summary>
    public static DNSConfig Dns(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var dns = new DNSConfig();
        var host = HostResolvConf();
        switch (pod.Spec.DnsPolicy ?? "ClusterFirst")
        {
            case "ClusterFirst" or "ClusterFirstWithHostNet":
                var ns = pod.Metadata.NamespaceProperty;
                dns.Servers.Add(ClusterDns);
                dns.Searches.AddRange([$"{ns}.svc.{ClusterDomain}", $"svc.{ClusterDomain}", ClusterDomain, .. host.Searches]);
                dns.Options.Add("ndots:5");
                break;
            case "Default":
                dns.Servers.AddRange(host.Servers);
                dns.Searches.AddRange(host.Searches);
                dns.Options.AddRange(host.Options);
                break;
            case "None":
                break;
            default:
                throw new NotSupportedException($"dnsPolicy {pod.Spec.DnsPolicy}");
        }

        if (pod.Spec.DnsConfig is { } extra)
        {
            dns.Servers.AddRange((extra.Nameservers ?? []).Where(s => !dns.Servers.Contains(s)));
            dns.Searches.AddRange((extra.Searches ?? []).Where(s => !dns.Searches.Contains(s)));
            foreach (var option in extra.Options ?? [])
            {
                var existing = dns.Options.FirstOrDefault(o => o.Split(':')[0] == option.Name);
                if (existing is not null)
                {
                    dns.Options.Remove(existing);
                }

                dns.Options.Add(option.Value is null ? option.Name : $"{option.Name}:{option.Value}");
            }
        }

        return dns;
    }

    private static LinuxContainerSecurityContext SecurityContext(V1Pod pod, V1Container container, Image image)
    {
        var podSc = pod.Spec.SecurityContext ?? new V1PodSecurityContext();
        var sc = container.SecurityContext ?? new V1SecurityContext();
        var privileged = sc.Privileged == true;
        var result = new LinuxContainerSecurityContext
        {
            Privileged = privileged,
            ReadonlyRootfs = sc.ReadOnlyRootFilesystem == true,
            NamespaceOptions = Namespaces(pod),
            NoNewPrivs = sc.AllowPrivilegeEscalation == false,
            Seccomp = Seccomp(sc.SeccompProfile ?? podSc.SeccompProfile),
        };
        if (sc.Capabilities is { } capabilities)
        {
            result.Capabilities = new Capability();
            result.Capabilities.AddCapabilities.AddRange(capabilities.Add ?? []);
            result.Capabilities.DropCapabilities.AddRange(capabilities.Drop ?? []);
        }

        var runAsUser = sc.RunAsUser ?? podSc.RunAsUser;
        if (runAsUser is { } user)
        {
            result.RunAsUser = new Int64Value { Value = user };
        }
        else if (image.Uid is { } imageUid)
        {
            result.RunAsUser = new Int64Value { Value = imageUid.Value };
        }
        else if (!string.IsNullOrEmpty(image.Username))
        {
            result.RunAsUsername = image.Username;
        }

        if ((sc.RunAsGroup ?? podSc.RunAsGroup) is { } group)
        {
            result.RunAsGroup = new Int64Value { Value = group };
        }

        if ((sc.RunAsNonRoot ?? podSc.RunAsNonRoot) == true && (result.RunAsUser?.Value ?? 0) == 0 && string.IsNullOrEmpty(result.RunAsUsername))
        {
            throw new NodeSetupException($"container '{container.Name}' has runAsNonRoot and image will run as root (the kubelet's CreateContainerConfigError)");
        }

        result.SupplementalGroups.AddRange(SupplementalGroups(pod));
        if (!privileged && sc.ProcMount != "Unmasked")
        {
            result.MaskedPaths.AddRange(MaskedPaths);
            result.ReadonlyPaths.AddRange(ReadonlyPaths);
        }

        return result;
    }

    // Without a profile the kubelet asks for Unconfined (the SeccompDefault kubelet option is off by default).
    private static SecurityProfile Seccomp(V1SeccompProfile? profile) => new()
    {
        ProfileType = profile?.Type == "RuntimeDefault" ? SecurityProfile.Types.ProfileType.RuntimeDefault : SecurityProfile.Types.ProfileType.Unconfined,
    };

    private static IEnumerable<long> SupplementalGroups(V1Pod pod)
    {
        var podSc = pod.Spec.SecurityContext;
        var groups = new List<long>();
        if (podSc?.FsGroup is { } fsGroup)
        {
            groups.Add(fsGroup);
        }

        groups.AddRange((podSc?.SupplementalGroups ?? []).Where(g => g.HasValue).Select(g => g!.Value));
        return groups;
    }

    // The kubelet hashes the container spec to notice changes; any stable hash of it serves (FNV-1a here).
    private static string ContainerHash(V1Container container)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(KubernetesJson.Serialize(container)))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash.ToString("x", CultureInfo.InvariantCulture);
    }

    private static (List<string> Servers, List<string> Searches, List<string> Options) HostResolvConf()
    {
        var servers = new List<string>();
        var searches = new List<string>();
        var options = new List<string>();
        var lines = File.Exists("/etc/resolv.conf") ? File.ReadAllLines("/etc/resolv.conf") : [];
        foreach (var fields in lines.Select(l => l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 1))
        {
            switch (fields[0])
            {
                case "nameserver":
                    servers.Add(fields[1]);
                    break;
                case "search" or "domain":
                    searches.AddRange(fields[1..]);
                    break;
                case "options":
                    options.AddRange(fields[1..]);
                    break;
            }
        }

        return (servers, searches, options);
    }
}
