using System.Diagnostics;
using Cryo.Agent.Attempts;
using Cryo.Agent.Cgroups;
using Cryo.Agent.Containers;

namespace Cryo.Agent.Restoring;

/// <summary>
/// The fresh cgroups a standalone restored copy lives in, one per v1 controller
/// (<c>/sys/fs/cgroup/CONTROLLER/cryo/restore-ID</c>) and one in the unified (cgroup2) hierarchy where the host
/// has it, so copies of one checkpoint never share limits, no copy stays in the cgroups it was dumped from, and
/// a failed restore can be swept by killing whatever is in them.
/// </summary>
public sealed class RestoreCgroups
{
    private readonly IReadOnlyList<string> directories;

    private RestoreCgroups(IReadOnlyDictionary<string, string> paths, IReadOnlyList<string> directories, string? freezerDirectory = null)
    {
        Paths = paths;
        this.directories = directories;
        FreezerDirectory = freezerDirectory;
    }

    /// <summary>
    /// Controller → cgroup path (for <c>--cgroup-root CONTROLLER:PATH</c>); the unified hierarchy's key is
    /// <see cref="Unified"/>, the empty name CRIU gives it (<c>--cgroup-root :PATH</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string> Paths { get; }

    /// <summary>The key of the unified (cgroup2) hierarchy in <see cref="Paths"/>.</summary>
    public const string Unified = "";

    /// <summary>Makes the cgroups for one restore, and removes empty ones earlier copies left.</summary>
    /// <param name="options">Which controllers, under which parent.</param>
    /// <param name="operationId">Names the cgroups.</param>
    /// <param name="freezerLeftToCriu">
    /// Make the v1 freezer cgroup's parent only: CRIU creates the cgroup itself and, only then (its soft
    /// cgroup mode leaves existing cgroups alone), gives it the freezer state recorded at dump time.
    /// </param>
    /// <param name="cgroupRoot">Where the cgroup hierarchies are mounted.</param>
    public static RestoreCgroups Create(EngineOptions options, string operationId, bool freezerLeftToCriu = false, string cgroupRoot = CgroupLayout.Root)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = "restore-" + operationId + "-" + Guid.NewGuid().ToString("N")[..6];
        var cgroupPath = "/" + options.RestoreCgroupParent.Trim('/') + "/" + name;
        var paths = new Dictionary<string, string>();
        var directories = new List<string>();
        string? freezerDirectory = null;
        foreach (var (key, hierarchy) in Hierarchies(options, cgroupRoot))
        {
            var isFreezer = key == "freezer";
            var directory = Make(hierarchy, cgroupPath, parentOnly: freezerLeftToCriu && isFreezer);
            freezerDirectory = isFreezer ? directory : freezerDirectory;
            paths[key] = cgroupPath;
            directories.Add(directory);
        }
        return new RestoreCgroups(paths, directories, freezerDirectory) { UnifiedPath = CgroupLayout.IsUnified(cgroupRoot) ? cgroupPath : null };
    }

    /// <summary>
    /// The hierarchies restores make their cgroups in, by their key in <see cref="Paths"/>: on a cgroup2 host the one
    /// unified hierarchy; elsewhere each configured v1 controller the host mounts, and the unified hierarchy where the
    /// host mounts it beside them (without it a copy would stay in the unified cgroup it was dumped from, its source
    /// container's).
    /// </summary>
    public static IReadOnlyList<(string Key, string Directory)> Hierarchies(EngineOptions options, string cgroupRoot = CgroupLayout.Root)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (CgroupLayout.IsUnified(cgroupRoot))
        {
            return [(Unified, cgroupRoot)];
        }
        var hierarchies = options.RestoreCgroupControllers
            .Select(c => (Key: c, Directory: Path.Combine(cgroupRoot, c)))
            .Where(h => Directory.Exists(h.Directory))
            .ToList();
        if (CgroupLayout.HybridUnifiedDirectory(cgroupRoot) is { } unified)
        {
            hierarchies.Add((Unified, unified));
        }
        return hierarchies;
    }

    /// <summary>Makes the cgroup (or only its parent) in one hierarchy, sweeping its empty siblings first; returns its directory.</summary>
    private static string Make(string hierarchy, string cgroupPath, bool parentOnly = false)
    {
        var directory = CgroupLayout.Join(hierarchy, cgroupPath);
        var parent = Path.GetDirectoryName(directory)!;
        SweepEmpty(parent);
        Directory.CreateDirectory(parentOnly ? parent : directory);
        return directory;
    }

    /// <summary>The v1 freezer cgroup's directory (CRIU may create it), or null on a v2 host or without a freezer controller.</summary>
    public string? FreezerDirectory { get; }

    /// <summary>
    /// On a cgroup v2 host: the copy's one cgroup path, whose freezer is cgroup2's (<c>cgroup.freeze</c>); null on a v1
    /// host, the hybrid one included. <c>--cgroup-root</c> takes every path, this one too, from <see cref="Paths"/>.
    /// </summary>
    public string? UnifiedPath { get; private init; }

    /// <summary>
    /// SIGKILLs every process in the cgroups and waits (briefly) until they are empty. A restored copy may be
    /// frozen, and a frozen task dies of SIGKILL only once thawed: each round signals first and then thaws,
    /// so a thawed task dies before it runs an instruction of its own.
    /// </summary>
    public async Task KillAllAsync()
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
        while (true)
        {
            var pids = directories.SelectMany(Procs).Distinct().ToList();
            if (pids.Count == 0 || Stopwatch.GetTimestamp() > deadline)
            {
                return;
            }
            foreach (var pid in pids)
            {
                ProcessKiller.Kill(pid);
            }
            Thaw();
            await Task.Delay(20);
        }
    }

    private void Thaw()
    {
        var unified = UnifiedPath is not null;
        foreach (var directory in directories.Where(d => File.Exists(Path.Combine(d, unified ? "cgroup.freeze" : "freezer.state"))))
        {
            CgroupFreezer.At(directory, unified).Thaw();
        }
    }

    /// <summary>Removes the cgroups (they must be empty).</summary>
    public void Remove()
    {
        foreach (var directory in directories.Where(Directory.Exists))
        {
            Directory.Delete(directory);
        }
    }

    private static IEnumerable<int> Procs(string directory)
    {
        var file = Path.Combine(directory, "cgroup.procs");
        if (!File.Exists(file))
        {
            return [];
        }
        return File.ReadAllLines(file).Where(l => l.Length > 0).Select(int.Parse);
    }

    /// <summary>
    /// How old an empty restore cgroup must be before a new restore removes it: younger ones may belong to a
    /// restore still in flight, made but not yet entered by CRIU (or, for a freezer left to CRIU, its parent).
    /// </summary>
    private static readonly TimeSpan SweepAge = TimeSpan.FromMinutes(10);

    /// <summary>Copies that have ended leave empty cgroups behind; remove them as new ones are made.</summary>
    private static void SweepEmpty(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return;
        }
        var before = DateTime.UtcNow - SweepAge;
        foreach (var child in Directory.EnumerateDirectories(parent, "restore-*"))
        {
            try
            {
                if (Directory.GetLastWriteTimeUtc(child) < before && !Procs(child).Any())
                {
                    Directory.Delete(child);
                }
            }
            catch (IOException)
            {
                // A cgroup that gained a process between the read and the rmdir is busy: it stays.
            }
        }
    }
}
