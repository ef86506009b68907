namespace Cryo.Testing.Node;

/// <summary>
/// The kubelet's QoS and resource rules (pkg/apis/core/v1/helper/qos, pkg/kubelet/cm, kuberuntime): the pod's QoS
/// class, its cgroup parent with the cgroupfs driver, and the CPU/memory settings of the pod and of each container.
/// Requests default to limits where only limits are given, as the API server's defaulting does.
/// </summary>
public static class KubeletQos
{
    /// <summary>QoS class names as in <c>status.qosClass</c>.</summary>
    public const string Guaranteed = "Guaranteed";

    /// <inheritdoc cref="Guaranteed"/>
    public const string Burstable = "Burstable";

    /// <inheritdoc cref="Guaranteed"/>
    public const string BestEffort = "BestEffort";

    private const long MinShares = 2;
    private const long MaxShares = 262_144;
    private const long MinQuota = 1000;
    private static readonly string[] QosResources = ["cpu", "memory"];

    /// <summary>The pod's QoS class: BestEffort without any request or limit; Guaranteed when every container limits CPU and memory at its requests.</summary>
    public static string QosClass(V1PodSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var requests = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var limits = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var guaranteed = true;
        foreach (var container in AllContainers(spec))
        {
            foreach (var (name, value) in Requests(container).Where(r => QosResources.Contains(r.Key) && r.Value > 0))
            {
                requests[name] = requests.GetValueOrDefault(name) + value;
            }

            var found = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, value) in Limits(container).Where(l => QosResources.Contains(l.Key) && l.Value > 0))
            {
                found.Add(name);
                limits[name] = limits.GetValueOrDefault(name) + value;
            }

            guaranteed &= found.IsSupersetOf(QosResources);
        }

        if (requests.Count == 0 && limits.Count == 0)
        {
            return BestEffort;
        }

        guaranteed &= requests.All(r => limits.TryGetValue(r.Key, out var limit) && limit == r.Value);
        return guaranteed && requests.Count == limits.Count ? Guaranteed : Burstable;
    }

    /// <summary>
    /// The pod's cgroup with the cgroupfs driver, relative to each hierarchy: <c>/kubepods/besteffort/pod&lt;uid&gt;</c>,
    /// <c>/kubepods/burstable/pod&lt;uid&gt;</c>, or <c>/kubepods/pod&lt;uid&gt;</c> for Guaranteed pods.
    /// </summary>
    public static string CgroupParent(string qosClass, string uid) => qosClass switch
    {
        Guaranteed => $"/{NodeCgroups.KubepodsName}/pod{uid}",
        Burstable => $"/{NodeCgroups.KubepodsName}/burstable/pod{uid}",
        _ => $"/{NodeCgroups.KubepodsName}/besteffort/pod{uid}",
    };

    /// <summary>The pod cgroup's settings: init containers run one at a time, so each resource takes the larger of the biggest init container and the sum of the others.</summary>
    public static PodResources ForPod(V1PodSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        decimal Effective(Func<V1Container, decimal> of) =>
            Math.Max(spec.Containers.Sum(of), (spec.InitContainers ?? []).Select(of).DefaultIfEmpty(0).Max());

        var cpuRequest = Effective(c => Requests(c).GetValueOrDefault("cpu"));
        var everyCpuLimit = AllContainers(spec).All(c => Limits(c).GetValueOrDefault("cpu") > 0);
        var everyMemoryLimit = AllContainers(spec).All(c => Limits(c).GetValueOrDefault("memory") > 0);
        var qos = QosClass(spec);
        return new PodResources(
            qos == BestEffort ? MinShares : MilliCpuToShares(Milli(cpuRequest)),
            everyCpuLimit ? MilliCpuToQuota(Milli(Effective(c => Limits(c).GetValueOrDefault("cpu")))) : null,
            everyMemoryLimit ? (long)Effective(c => Limits(c).GetValueOrDefault("memory")) : null);
    }

    /// <summary>A container's CRI resources as the kubelet fills them (shares always; quota and memory limit when limited).</summary>
    public static (long CpuShares, long CpuQuota, long CpuPeriod, long MemoryLimit, long OomScoreAdj) ForContainer(V1Container container, string qosClass, long memoryCapacity)
    {
        ArgumentNullException.ThrowIfNull(container);
        var cpuLimit = Limits(container).GetValueOrDefault("cpu");
        var memoryRequest = Requests(container).GetValueOrDefault("memory");
        return (
            MilliCpuToShares(Milli(Requests(container).GetValueOrDefault("cpu"))),
            cpuLimit > 0 ? MilliCpuToQuota(Milli(cpuLimit)) : 0,
            cpuLimit > 0 ? PodResources.CpuPeriod : 0,
            (long)Limits(container).GetValueOrDefault("memory"),
            OomScoreAdj(qosClass, (long)memoryRequest, memoryCapacity));
    }

    /// <summary>The kubelet's <c>oom_score_adj</c>: -997 Guaranteed, 1000 BestEffort, Burstable scaled by the memory request (3…999).</summary>
    public static long OomScoreAdj(string qosClass, long memoryRequest, long memoryCapacity)
    {
        switch (qosClass)
        {
            case Guaranteed:
                return -997;
            case BestEffort:
                return 1000;
        }

        var adjust = 1000 - (1000 * memoryRequest / Math.Max(1, memoryCapacity));
        return adjust < 3 ? 3 : adjust >= 1000 ? 999 : adjust;
    }

    /// <summary>The node's memory capacity (MemTotal), for Burstable OOM scores.</summary>
    public static long MemoryCapacity()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Requests with limits filled in where only a limit is given (the API server's defaulting), as decimals (cores, bytes).</summary>
    public static IReadOnlyDictionary<string, decimal> Requests(V1Container container)
    {
        ArgumentNullException.ThrowIfNull(container);
        var result = Limits(container).ToDictionary(StringComparer.Ordinal);
        foreach (var (name, value) in container.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>())
        {
            result[name] = value.ToDecimal();
        }

        return result;
    }

    /// <summary>The container's limits as decimals (cores, bytes).</summary>
    public static IReadOnlyDictionary<string, decimal> Limits(V1Container container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return (container.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>())
            .ToDictionary(l => l.Key, l => l.Value.ToDecimal(), StringComparer.Ordinal);
    }

    private static IEnumerable<V1Container> AllContainers(V1PodSpec spec) => spec.Containers.Concat(spec.InitContainers ?? []);

    private static long Milli(decimal cores) => (long)Math.Ceiling(cores * 1000);

    private static long MilliCpuToShares(long milli) => milli == 0 ? MinShares : Math.Clamp(milli * 1024 / 1000, MinShares, MaxShares);

    private static long MilliCpuToQuota(long milli) => milli == 0 ? 0 : Math.Max(milli * PodResources.CpuPeriod / 1000, MinQuota);
}
