using System.Globalization;
using Cryo.Agent.Containers;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Testing.Agent;

/// <summary>
/// Ends process trees and empties cgroups for test cleanup, including restored copies that live outside a
/// harness workload. Processes are stopped before being killed so that none can fork away in between; the
/// SIGKILL itself is the agent's own <see cref="ProcessKiller"/>.
/// </summary>
public static class ProcessReaper
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>SIGKILLs <paramref name="rootPid"/> and every descendant, then waits until none is alive (zombies count as dead).</summary>
    public static async Task KillTreeAsync(int rootPid, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var tree = Collect(rootPid, stop: true);
        ThawFreezersOf(tree);
        foreach (var pid in tree)
        {
            ProcessKiller.Kill(pid);
        }

        await WaitGoneAsync(tree, timeout ?? DefaultTimeout, cancellationToken);
    }

    /// <summary>SIGKILLs the processes, then waits until none is alive.</summary>
    public static async Task KillAsync(IEnumerable<int> pids, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var list = pids.ToList();
        ThawFreezersOf(list);
        foreach (var pid in list)
        {
            ProcessKiller.Kill(pid);
        }

        await WaitGoneAsync(list, timeout ?? DefaultTimeout, cancellationToken);
    }

    /// <summary>
    /// SIGKILLs every process in the cgroup directory (e.g. <c>/sys/fs/cgroup/pids/cryo-harness/x</c>) and its
    /// child cgroups until all are empty; with <paramref name="remove"/>, removes the directories too.
    /// A directory that does not exist is already clean.
    /// </summary>
    /// <exception cref="TimeoutException">Processes remained, or a directory could not be removed, within the timeout.</exception>
    public static async Task KillCgroupAsync(string cgroupDirectory, bool remove, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        Thaw(cgroupDirectory);
        while (Directory.Exists(cgroupDirectory))
        {
            var pids = CgroupPidsRecursive(cgroupDirectory);
            if (pids.Count == 0)
            {
                break;
            }

            ThawFreezersOf(pids);
            foreach (var pid in pids)
            {
                ProcessKiller.Kill(pid);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"cgroup {cgroupDirectory} still holds {string.Join(", ", pids)} after SIGKILL");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        if (!remove || !Directory.Exists(cgroupDirectory))
        {
            return;
        }

        var directories = Directory.GetDirectories(cgroupDirectory, "*", SearchOption.AllDirectories)
            .OrderByDescending(d => d.Length).Append(cgroupDirectory);
        foreach (var directory in directories)
        {
            await RemoveCgroupDirectoryAsync(directory, deadline, cancellationToken);
        }
    }

    /// <summary>
    /// Thaws the cgroup and its descendants (v1 <c>freezer.state</c>, v2 <c>cgroup.freeze</c>): a frozen task
    /// does not die of SIGKILL until thawed, e.g. after a dump that failed while the tree was frozen.
    /// </summary>
    public static void Thaw(string cgroupDirectory)
    {
        if (!Directory.Exists(cgroupDirectory))
        {
            return;
        }

        foreach (var directory in Directory.GetDirectories(cgroupDirectory, "*", SearchOption.AllDirectories).Append(cgroupDirectory))
        {
            var v1 = Path.Combine(directory, "freezer.state");
            var v2 = Path.Combine(directory, "cgroup.freeze");
            if (File.Exists(v1) && File.ReadAllText(v1).Trim() != "THAWED")
            {
                File.WriteAllText(v1, "THAWED");
            }
            else if (File.Exists(v2) && File.ReadAllText(v2).Trim() != "0")
            {
                File.WriteAllText(v2, "0");
            }
        }
    }

    /// <summary>Thaws the v1 freezer cgroup of each process (it may live in another hierarchy than the one being emptied).</summary>
    public static void ThawFreezersOf(IEnumerable<int> pids)
    {
        var freezers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pid in pids)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines($"/proc/{pid}/cgroup");
            }
            catch (IOException)
            {
                // Gone already: nothing to thaw for it.
                continue;
            }

            foreach (var line in lines)
            {
                var parts = line.Split(':', 3);
                if (parts.Length == 3 && parts[1].Split(',').Contains("freezer") && parts[2] != "/")
                {
                    freezers.Add(HarnessCgroups.Root + "/freezer" + parts[2]);
                }
            }
        }

        foreach (var freezer in freezers)
        {
            Thaw(freezer);
        }
    }

    /// <summary>The PIDs listed in <c>cgroup.procs</c> of the directory and all its descendants.</summary>
    public static IReadOnlyList<int> CgroupPidsRecursive(string cgroupDirectory)
    {
        var result = new List<int>();
        if (!Directory.Exists(cgroupDirectory))
        {
            return result;
        }

        foreach (var directory in Directory.GetDirectories(cgroupDirectory, "*", SearchOption.AllDirectories).Append(cgroupDirectory))
        {
            var procs = Path.Combine(directory, "cgroup.procs");
            if (!File.Exists(procs))
            {
                continue;
            }

            result.AddRange(File.ReadAllLines(procs).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture)));
        }

        return result;
    }

    /// <summary><see langword="true"/> when the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            // No /proc/PID (or it vanished while being read): not alive.
            return false;
        }
    }

    /// <summary>
    /// The process's start time (clock ticks after boot), or <see langword="null"/> when it does not exist;
    /// with the PID it identifies a process, so cleanup never kills an unrelated process that reused a PID.
    /// </summary>
    public static ulong? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return ulong.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            // No such process.
            return null;
        }
    }

    /// <summary>The parent PID of every live process (one scan of /proc).</summary>
    internal static Dictionary<int, int> ParentMap()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // Exited during the scan.
                continue;
            }
        }

        return parents;
    }

    /// <summary><paramref name="rootPid"/> and its descendants, parents first; with <paramref name="stop"/>, each is SIGSTOPped as found.</summary>
    internal static IReadOnlyList<int> Collect(int rootPid, bool stop)
    {
        var found = new List<int>();
        var seen = new HashSet<int>();
        // Re-scan until a pass finds nothing new: a process may have forked before it was stopped.
        for (var pass = 0; pass < 20; pass++)
        {
            var parents = ParentMap();
            var queue = new Queue<int>();
            if (parents.ContainsKey(rootPid))
            {
                queue.Enqueue(rootPid);
            }

            var added = false;
            var visited = new HashSet<int>();
            while (queue.TryDequeue(out var pid))
            {
                if (!visited.Add(pid))
                {
                    continue;
                }

                if (seen.Add(pid))
                {
                    found.Add(pid);
                    added = true;
                    if (stop)
                    {
                        Stop(pid);
                    }
                }

                foreach (var child in parents.Where(p => p.Value == pid).Select(p => p.Key))
                {
                    queue.Enqueue(child);
                }
            }

            if (!added || !stop)
            {
                break;
            }
        }

        return found;
    }

    // ESRCH (already gone) is the only failure possible for root here, and it is what we want anyway.
    private static void Stop(int pid) => _ = NativeMethods.kill(pid, NativeMethods.SIGSTOP);

    private static async Task WaitGoneAsync(IReadOnlyList<int> pids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var alive = pids.Where(IsAlive).ToList();
            if (alive.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"processes {string.Join(", ", alive)} are still alive after SIGKILL");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    private static async Task RemoveCgroupDirectoryAsync(string directory, DateTime deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                Directory.Delete(directory);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // EBUSY while the last killed tasks are released by the kernel: retry shortly.
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            }
        }
    }
}
