using System.Collections.Concurrent;

namespace Cryo.Testing.Agent.Harness;

/// <summary>
/// Creates cgroup v1 directories for workloads and removes them again, including parent levels the harness
/// created (e.g. <c>kubepods/besteffort/pod…</c>), but never a directory that existed before the tests.
/// </summary>
internal static class HarnessCgroups
{
    public const string Root = "/sys/fs/cgroup";

    // Parent levels created by any workload of this test run; shared because sibling workloads may share a parent.
    private static readonly ConcurrentDictionary<string, bool> CreatedParents = new(StringComparer.Ordinal);

    /// <summary>
    /// The cgroup hierarchies mounted at <c>/sys/fs/cgroup/NAME</c>, by directory name: every v1 hierarchy and, on a
    /// hybrid host, the v2 one (<c>unified</c>, where runc places containers too).
    /// </summary>
    public static IReadOnlyList<string> MountedHierarchies() =>
        File.ReadLines("/proc/self/mountinfo").Select(Cryo.Agent.Containers.MountInfo.Parse)
            .Where(m => m.FilesystemType is "cgroup" or "cgroup2" && Path.GetDirectoryName(m.MountPoint) == Root)
            .Select(m => Path.GetFileName(m.MountPoint)).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>Validates a relative cgroup path: no empty, "." or ".." segments.</summary>
    public static string Validate(string relative, string what)
    {
        var trimmed = relative.Trim('/');
        if (trimmed.Length == 0 || trimmed.Split('/').Any(s => s is "" or "." or ".." || s.Any(char.IsWhiteSpace)))
        {
            throw new ArgumentException($"{what} '{relative}' is not a relative cgroup path", what);
        }

        return trimmed;
    }

    /// <summary>Creates <c>/sys/fs/cgroup/CONTROLLER/PATH</c> for each controller; the leaf must not exist yet.</summary>
    public static IReadOnlyDictionary<string, string> Create(IReadOnlyList<string> controllers, string parent, string name)
    {
        var relative = "/" + parent + "/" + name;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var controller in controllers)
        {
            var hierarchy = Path.Combine(Root, controller);
            if (!Directory.Exists(hierarchy))
            {
                throw new WorkloadStartException($"cgroup v1 hierarchy {hierarchy} does not exist");
            }

            var current = hierarchy;
            foreach (var segment in parent.Split('/'))
            {
                current = Path.Combine(current, segment);
                if (!Directory.Exists(current))
                {
                    Directory.CreateDirectory(current);
                    CreatedParents[current] = true;
                    InheritCpuset(controller, current);
                }
                else if (controller == "cpuset" && File.ReadAllText(Path.Combine(current, "cpuset.cpus")).Trim().Length == 0)
                {
                    // Left behind without CPUs (another run, killed between its mkdir and its write): every
                    // workload under it would fail with ENOSPC.
                    InheritCpuset(controller, current);
                }
            }

            var leaf = Path.Combine(current, name);
            if (Directory.Exists(leaf))
            {
                throw new WorkloadStartException($"cgroup {leaf} already exists: another workload uses that name");
            }

            Directory.CreateDirectory(leaf);
            InheritCpuset(controller, leaf);
            result[controller] = relative;
        }

        return result;
    }

    /// <summary>Removes the leaf cgroups (killing what is in them) and then the parent levels the harness created, when empty.</summary>
    public static async Task RemoveAsync(IReadOnlyDictionary<string, string> cgroups, CancellationToken cancellationToken)
    {
        foreach (var (controller, relative) in cgroups)
        {
            await ProcessReaper.KillCgroupAsync(Path.Combine(Root, controller) + relative, remove: true, cancellationToken);
            var parent = Path.GetDirectoryName(Path.Combine(Root, controller) + relative);
            while (parent is not null && CreatedParents.ContainsKey(parent))
            {
                try
                {
                    Directory.Delete(parent);
                    CreatedParents.TryRemove(parent, out _);
                }
                catch (IOException)
                {
                    // A sibling workload still lives under this parent: the last one out removes it.
                    break;
                }

                parent = Path.GetDirectoryName(parent);
            }
        }
    }

    // A new cpuset cgroup starts with no CPUs and no memory nodes, and refuses tasks until given some.
    private static void InheritCpuset(string controller, string directory)
    {
        if (controller != "cpuset")
        {
            return;
        }

        var parent = Path.GetDirectoryName(directory)!;
        foreach (var file in new[] { "cpuset.cpus", "cpuset.mems" })
        {
            File.WriteAllText(Path.Combine(directory, file), File.ReadAllText(Path.Combine(parent, file)).Trim());
        }
    }
}
