using System.Globalization;
using System.Diagnostics;

namespace Cryo.Criu.Tests.TestSupport;

/// <summary>What the kernel says about processes, read from /proc.</summary>
internal static class ProcessTable
{
    /// <summary>The NSpid line of /proc/PID/status: the PID in each namespace, outermost first.</summary>
    public static IReadOnlyList<int> NamespacePids(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
        return line["NSpid:".Length..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>Whether PID runs (exists and is not a zombie waiting for a reaper).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var state = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("State:", StringComparison.Ordinal));
            return !state.Contains("Z (zombie)", StringComparison.Ordinal) && !state.Contains("X (dead)", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    /// <summary>Children of PID (all its threads' children).</summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/task/{pid}/children")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return [];
        }
    }

    /// <summary>Live processes whose command line contains <paramref name="marker"/> (zombies have none).</summary>
    public static IReadOnlyList<int> WithCommandLineContaining(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal) && IsRunning(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
            {
                // The process ended while the table was read.
            }
        }
        return found;
    }

    /// <summary>
    /// SIGKILL to PID if it is still the PID 1 of a child PID namespace (so a recycled PID is never hit); the
    /// namespace's other processes die with it. A process that is already gone is fine.
    /// </summary>
    public static void KillNamespaceInit(int pid)
    {
        if (pid <= 0 || !IsRunning(pid))
        {
            return;
        }
        try
        {
            if (NamespacePids(pid) is [_, .., 1])
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            // Ended meanwhile.
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(50);
        }
        return true;
    }
}
