using System.Globalization;
using Cryo.Agent.Containers;

namespace Cryo.Testing.Node;

/// <summary>
/// The kubelet's cgroups with the cgroupfs driver: <c>/kubepods</c> and its QoS levels
/// (<c>besteffort</c>, <c>burstable</c>; guaranteed pods sit right under <c>kubepods</c>), made once for the node,
/// and one <c>pod&lt;uid&gt;</c> cgroup per pod, in every hierarchy mounted under <c>/sys/fs/cgroup</c>.
/// Levels that existed before are never removed.
/// </summary>
public static class NodeCgroups
{
    /// <summary>The kubelet's default cgroup root for pods (<c>--cgroup-root</c> / node allocatable).</summary>
    public const string KubepodsName = "kubepods";

    private static readonly string[] QosLevels = [KubepodsName, KubepodsName + "/besteffort", KubepodsName + "/burstable"];

    /// <summary>
    /// Every cgroup hierarchy mounted under <c>/sys/fs/cgroup</c> (v1 controllers, the named <c>systemd</c> one and,
    /// on a hybrid host, the v2 <c>unified</c> one): the kubelet's libcontainer creates pod cgroups in all of them.
    /// </summary>
    public static IReadOnlyList<string> Hierarchies()
    {
        var mounts = MountInfo.ParseAll(File.ReadAllText("/proc/self/mountinfo"));
        return mounts
            .Where(m => m.FilesystemType is "cgroup" or "cgroup2" && m.MountPoint.StartsWith(HarnessCgroups.Root + "/", StringComparison.Ordinal))
            .Select(m => m.MountPoint)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Creates the node-level levels that are missing; returns the directories it created (deepest last).</summary>
    public static IReadOnlyList<string> EnsureNodeLevels()
    {
        var created = new List<string>();
        foreach (var hierarchy in Hierarchies())
        {
            foreach (var level in QosLevels)
            {
                var directory = Path.Combine(hierarchy, level);
                if (Directory.Exists(directory))
                {
                    continue;
                }

                Directory.CreateDirectory(directory);
                InheritCpuset(directory);
                created.Add(directory);
            }
        }

        // The kubelet gives the BestEffort level the smallest weight.
        SetIfExists(Path.Combine(HarnessCgroups.Root, "cpu", KubepodsName, "besteffort", "cpu.shares"), "2");
        return created;
    }

    /// <summary>Removes node-level directories this run created, deepest first, when nothing lives there any more.</summary>
    public static void RemoveNodeLevels(IEnumerable<string> created)
    {
        foreach (var directory in created.OrderByDescending(d => d.Length))
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (IOException)
            {
                // Another run's pods still live below (EBUSY/ENOTEMPTY): the last run out removes it.
                continue;
            }
        }
    }

    /// <summary>
    /// Creates <c>/sys/fs/cgroup/H/&lt;relative&gt;</c> in every hierarchy (the kubelet's pod cgroup) and sets the
    /// pod-level limits the kubelet computes: cpu shares, and CFS quota / memory limit when every container has one.
    /// </summary>
    public static void CreatePod(string relative, PodResources resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        foreach (var hierarchy in Hierarchies())
        {
            // Level by level: another run may have removed an empty QoS level meanwhile, and every new cpuset
            // level needs its CPUs and memory nodes before the one below can have any.
            var directory = hierarchy;
            foreach (var segment in relative.Trim('/').Split('/'))
            {
                directory = Path.Combine(directory, segment);
                if (!Directory.Exists(directory))
                {
                    Directory.CreateDirectory(directory);
                    InheritCpuset(directory);
                }
            }
        }

        var cpu = Path.Combine(HarnessCgroups.Root, "cpu") + relative;
        SetIfExists(Path.Combine(cpu, "cpu.shares"), resources.CpuShares.ToString(CultureInfo.InvariantCulture));
        if (resources.CpuQuota is { } quota)
        {
            SetIfExists(Path.Combine(cpu, "cpu.cfs_period_us"), PodResources.CpuPeriod.ToString(CultureInfo.InvariantCulture));
            SetIfExists(Path.Combine(cpu, "cpu.cfs_quota_us"), quota.ToString(CultureInfo.InvariantCulture));
        }

        if (resources.MemoryLimit is { } memory)
        {
            SetIfExists(Path.Combine(Path.Combine(HarnessCgroups.Root, "memory") + relative, "memory.limit_in_bytes"),
                memory.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Kills whatever is left in the pod's cgroups and removes them (with any container cgroups below) in every hierarchy.</summary>
    public static async Task RemovePodAsync(string relative, CancellationToken cancellationToken)
    {
        var errors = new List<Exception>();
        foreach (var hierarchy in Hierarchies())
        {
            try
            {
                await ProcessReaper.KillCgroupAsync(hierarchy + relative, remove: true, cancellationToken);
            }
            catch (Exception e) when (e is IOException or TimeoutException or UnauthorizedAccessException)
            {
                errors.Add(e);
            }
        }

        if (errors.Count > 0)
        {
            throw new AggregateException($"pod cgroup {relative} could not be removed everywhere", errors);
        }
    }

    /// <summary>The pod cgroup directories that still exist, for checks after removal.</summary>
    public static IReadOnlyList<string> Existing(string relative) =>
        Hierarchies().Select(h => h + relative).Where(Directory.Exists).ToArray();

    // A new v1 cpuset cgroup starts with no CPUs and no memory nodes and refuses tasks until given some.
    private static void InheritCpuset(string directory)
    {
        var cpus = Path.Combine(directory, "cpuset.cpus");
        if (!File.Exists(cpus))
        {
            return;
        }

        var parent = Path.GetDirectoryName(directory)!;
        foreach (var file in new[] { "cpuset.cpus", "cpuset.mems" })
        {
            var mine = Path.Combine(directory, file);
            if (File.ReadAllText(mine).Trim().Length == 0)
            {
                File.WriteAllText(mine, File.ReadAllText(Path.Combine(parent, file)).Trim());
            }
        }
    }

    private static void SetIfExists(string file, string value)
    {
        if (File.Exists(file))
        {
            File.WriteAllText(file, value);
        }
    }
}
