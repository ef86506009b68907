using System.Diagnostics;
using Cryo.Agent.Containers;

namespace Cryo.Agent.Cgroups;

/// <summary>
/// The freezer of a tree's cgroup. The engine freezes the tree through it before CRIU starts and hands
/// it to CRIU (<c>--freeze-cgroup</c>), which then seizes the stopped tasks at once instead of one by one;
/// the engine thaws it once the dump is over, and on every failure path.
/// </summary>
public sealed class CgroupFreezer
{
    private readonly string directory;
    private readonly bool unified;

    private CgroupFreezer(string directory, bool unified)
    {
        this.directory = directory;
        this.unified = unified;
    }

    /// <summary>The freezer cgroup's directory, as CRIU's <c>--freeze-cgroup</c> wants it.</summary>
    public string Directory => directory;

    /// <summary>Whether this is a cgroup v2 freezer (<c>cgroup.freeze</c>) rather than v1 (<c>freezer.state</c>).</summary>
    public bool IsUnified => unified;

    /// <summary>Whether the cgroup still exists.</summary>
    public bool Exists => System.IO.Directory.Exists(directory);

    /// <summary>The freezer at <paramref name="directory"/>, as recorded earlier (by <see cref="Directory"/> and <see cref="IsUnified"/>).</summary>
    public static CgroupFreezer At(string directory, bool unified)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return new CgroupFreezer(directory, unified);
    }

    /// <summary>
    /// The freezer of the tree's own cgroup, or null when the tree sits in the root cgroup (a plain
    /// process): freezing the root would stop the whole machine, so CRIU then seizes tasks with ptrace.
    /// </summary>
    public static CgroupFreezer? For(IReadOnlyList<CgroupEntry> cgroups, string cgroupRoot = CgroupLayout.Root)
    {
        ArgumentNullException.ThrowIfNull(cgroups);
        var v1 = cgroups.FirstOrDefault(c => c.Controllers.Contains("freezer"));
        if (v1 is not null)
        {
            return v1.Path == "/" ? null : new CgroupFreezer(CgroupLayout.Join(Path.Combine(cgroupRoot, "freezer"), v1.Path), unified: false);
        }
        var v2 = cgroups.FirstOrDefault(c => c.HierarchyId == 0);
        if (v2 is not null && v2.Path != "/" && File.Exists(CgroupLayout.Join(cgroupRoot, v2.Path) + "/cgroup.freeze"))
        {
            return new CgroupFreezer(CgroupLayout.Join(cgroupRoot, v2.Path), unified: true);
        }
        return null;
    }

    /// <summary>Whether the cgroup is frozen now.</summary>
    public bool IsFrozen()
    {
        if (unified)
        {
            return File.ReadAllText(Path.Combine(directory, "cgroup.freeze")).Trim() == "1";
        }
        return File.ReadAllText(Path.Combine(directory, "freezer.state")).Trim() != "THAWED";
    }

    /// <summary>
    /// Whether every task in the cgroup has stopped: <c>FROZEN</c> (v1) or <c>frozen 1</c> in
    /// <c>cgroup.events</c> (v2), not merely asked to freeze.
    /// </summary>
    public bool IsFullyFrozen()
    {
        if (unified)
        {
            return File.ReadLines(Path.Combine(directory, "cgroup.events")).Any(l => l.Trim() == "frozen 1");
        }
        return File.ReadAllText(Path.Combine(directory, "freezer.state")).Trim() == "FROZEN";
    }

    /// <summary>How often a v1 freezer still FREEZING is asked again (as CRIU does): a task can miss the first request.</summary>
    private static readonly TimeSpan Rekick = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Freezes the cgroup and waits until every task in it has stopped, looking every millisecond. CRIU's
    /// own freezing looks once right after asking and then every 100 ms, so a tree that needs a few
    /// hundred microseconds to stop cost it 100 ms of the workload's pause; a tree that is already frozen
    /// when CRIU starts is seized at once.
    /// </summary>
    /// <param name="timeout">How long the tasks may take to stop.</param>
    /// <param name="cancellationToken">Stops waiting (the cgroup is left freezing: the caller thaws it).</param>
    /// <returns>Whether the cgroup froze within <paramref name="timeout"/>; when it did not, it is left freezing (the caller thaws it).</returns>
    public async Task<bool> FreezeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var asked = started;
        Write(frozen: true);
        while (!IsFullyFrozen())
        {
            if (Stopwatch.GetElapsedTime(started) >= timeout)
            {
                return false;
            }
            if (!unified && Stopwatch.GetElapsedTime(asked) >= Rekick)
            {
                Write(frozen: true);
                asked = Stopwatch.GetTimestamp();
            }
            await Task.Delay(1, cancellationToken);
        }
        return true;
    }

    /// <summary>
    /// Asks the cgroup to freeze and returns at once (a no-op when the cgroup is gone): its tasks stop as they can, and
    /// a task held stopped by a tracer stops again before it runs another instruction of its own once let go.
    /// </summary>
    public void StartFreezing()
    {
        if (System.IO.Directory.Exists(directory))
        {
            Write(frozen: true);
        }
    }

    /// <summary>The tasks of the cgroup (thread IDs), for messages about the ones that would not stop.</summary>
    public IReadOnlyList<int> Tasks() =>
        File.ReadLines(Path.Combine(directory, unified ? "cgroup.threads" : "tasks"))
            .Select(l => int.TryParse(l, out var tid) ? tid : 0)
            .Where(tid => tid > 0)
            .ToList();

    /// <summary>The shell command that thaws the cgroup, for messages that ask a person to do it.</summary>
    public string ThawCommand => unified
        ? $"echo 0 > {Path.Combine(directory, "cgroup.freeze")}"
        : $"echo THAWED > {Path.Combine(directory, "freezer.state")}";

    /// <summary>Thaws the cgroup if it is frozen; a no-op when the cgroup is gone.</summary>
    public void Thaw()
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return;
        }
        Write(frozen: false);
    }

    private void Write(bool frozen)
    {
        if (unified)
        {
            File.WriteAllText(Path.Combine(directory, "cgroup.freeze"), frozen ? "1" : "0");
        }
        else
        {
            File.WriteAllText(Path.Combine(directory, "freezer.state"), frozen ? "FROZEN" : "THAWED");
        }
    }
}
