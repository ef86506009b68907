using Cryo.Agent.Containers;

namespace Cryo.Agent.Recovery;

/// <summary>
/// CRIU dumps that outlived the agent that started them, found by the directory they write into. Nothing
/// ties CRIU's life to the agent's: an agent killed mid-dump can leave its CRIU running, holding the tree
/// stopped (frozen, or seized by ptrace) until its own deadlines end it. The next agent cannot finish
/// that dump, so it ends it before it gives the tree back.
/// </summary>
public static class OrphanedCriu
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Whether <paramref name="arguments"/> (a command line) is a <c>criu dump</c> whose images directory
    /// (<c>-D</c>, <c>--images-dir</c>) is <paramref name="directory"/> or inside it. The launchers before
    /// CRIU (<c>sh -c</c>, <c>nsenter</c>) carry the same arguments and match too. Only absolute images
    /// directories match: the agent never passes relative ones.
    /// </summary>
    public static bool DumpsInto(IReadOnlyList<string> arguments, string directory)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var dump = IndexOf(arguments, "dump");
        for (var i = dump + 1; dump >= 0 && i < arguments.Count; i++)
        {
            var images = arguments[i] switch
            {
                "-D" or "--images-dir" when i + 1 < arguments.Count => arguments[i + 1],
                var a when a.StartsWith("--images-dir=", StringComparison.Ordinal) => a["--images-dir=".Length..],
                var a when a.StartsWith("-D", StringComparison.Ordinal) && a.Length > 2 => a[2..],
                _ => null,
            };
            if (images is not null && Path.IsPathFullyQualified(images))
            {
                var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(images));
                if (full == root || full.StartsWith(root + "/", StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>The PIDs of the processes dumping into <paramref name="directory"/> (see <see cref="DumpsInto"/>).</summary>
    public static async Task<IReadOnlyList<int>> FindAsync(ProcFs proc, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proc);
        var self = Environment.ProcessId;
        var found = new List<int>();
        foreach (var pid in proc.ListPids().Where(pid => pid != self))
        {
            IReadOnlyList<string> arguments;
            try
            {
                arguments = await proc.ReadCommandLineAsync(pid, cancellationToken);
            }
            catch (Exception e) when (e is ProcessGoneException or IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (DumpsInto(arguments, directory))
            {
                found.Add(pid);
            }
        }
        return found;
    }

    /// <summary>SIGKILLs <paramref name="pids"/> and waits until they are gone or <paramref name="patience"/> has passed.</summary>
    /// <returns>Those still alive (not even a zombie counts) when patience ran out: none, normally.</returns>
    public static async Task<IReadOnlyList<int>> KillAsync(ProcFs proc, IReadOnlyList<int> pids, TimeSpan patience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proc);
        ArgumentNullException.ThrowIfNull(pids);
        foreach (var pid in pids)
        {
            ProcessKiller.Kill(pid);
        }
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var alive = new List<int>();
            foreach (var pid in pids)
            {
                if (await proc.IsAliveAsync(pid, cancellationToken))
                {
                    alive.Add(pid);
                }
            }
            if (alive.Count == 0 || DateTime.UtcNow >= deadline)
            {
                return alive;
            }
            // Polled: these are not our children, there is nothing to wait on.
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static int IndexOf(IReadOnlyList<string> arguments, string value)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i] == value)
            {
                return i;
            }
        }
        return -1;
    }
}
