using System.Globalization;

namespace Cryo.Agent.Tests.Support;

/// <summary>What the kernel shows about a process: the facts restore tests assert on.</summary>
public static class Procs
{
    /// <summary>NSpid: the process's PID in each PID namespace, outermost first.</summary>
    public static IReadOnlyList<int> NamespacePids(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal))
            ["NSpid:".Length..].Split('\t', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList();

    /// <summary>The inode of one of the process's namespaces (<c>net</c>, <c>ipc</c>, …).</summary>
    public static string Namespace(int pid, string kind) => new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget ?? "";

    /// <summary>What one of the process's descriptors is open on, as the kernel names it.</summary>
    public static string FdTarget(int pid, int fd) => new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget ?? "";

    /// <summary>The process's cgroup path in a v1 controller's hierarchy.</summary>
    public static string Cgroup(int pid, string controller) =>
        File.ReadAllLines($"/proc/{pid}/cgroup").Select(l => l.Split(':', 3))
            .Single(p => p[1].Split(',').Contains(controller))[2];

    /// <summary>The process's cgroup path in the unified (cgroup2) hierarchy: its <c>0::</c> line.</summary>
    public static string UnifiedCgroup(int pid) =>
        File.ReadAllLines($"/proc/{pid}/cgroup").Single(l => l.StartsWith("0::", StringComparison.Ordinal))["0::".Length..];

    /// <summary>The process and all its descendants (host PIDs).</summary>
    public static IReadOnlyList<int> Tree(int root)
    {
        var parents = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var p) ? p : 0).Where(p => p > 0)
            .Select(p => (Pid: p, Parent: ParentOf(p))).Where(p => p.Parent >= 0).ToList();
        var result = new List<int> { root };
        for (var i = 0; i < result.Count; i++)
        {
            result.AddRange(parents.Where(p => p.Parent == result[i]).Select(p => p.Pid));
        }
        return result;
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            var state = File.ReadAllLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal));
            return state is not null && !state.Contains('Z', StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The host name in the process's UTS namespace.</summary>
    public static async Task<string> HostnameAsync(int pid)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("nsenter", ["-t", pid.ToString(CultureInfo.InvariantCulture), "--uts", "cat", "/proc/sys/kernel/hostname"]) { RedirectStandardOutput = true })!;
        var name = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return name.Trim();
    }

    /// <summary>The process's parent (host PID), or -1 once it is gone.</summary>
    public static int ParentOf(int pid)
    {
        try
        {
            var line = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("PPid:", StringComparison.Ordinal));
            return int.Parse(line["PPid:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }
}
