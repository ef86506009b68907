using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Containers;
using Cryo.Criu.Logs;
using Cryo.Criu.Options;

namespace Cryo.Agent.Restoring.Lazy;

/// <summary>
/// One <c>criu lazy-pages</c> daemon serving one restore's images, run by a <see cref="LazyPagesSupervisor"/>
/// outside the agent's process tree and cgroups. Its files live in the restore's work directory, which CRIU's
/// restore shares (<c>-W</c>) to find the daemon's socket.
/// </summary>
public sealed class LazyPagesDaemon
{
    private static readonly TimeSpan ListenPatience = TimeSpan.FromSeconds(15);

    private LazyPagesDaemon(string workDirectory, int supervisorPid, ulong supervisorStart, int daemonPid, string logPath)
    {
        WorkDirectory = workDirectory;
        SupervisorPid = supervisorPid;
        SupervisorStartTime = supervisorStart;
        DaemonPid = daemonPid;
        LogPath = logPath;
    }

    /// <summary>The restore's work directory, where the daemon listens and the supervisor keeps its files.</summary>
    public string WorkDirectory { get; }

    /// <summary>Host PID of the supervising shell.</summary>
    public int SupervisorPid { get; }

    /// <summary>The supervisor's start time (clock ticks after boot): with the PID it names the process despite PID reuse.</summary>
    public ulong SupervisorStartTime { get; }

    /// <summary>Host PID of <c>criu lazy-pages</c>.</summary>
    public int DaemonPid { get; }

    /// <summary>The daemon's own log.</summary>
    public string LogPath { get; }

    /// <summary>
    /// Starts the daemon for <paramref name="options"/> under a supervisor that first joins <paramref name="cgroupProcFiles"/>,
    /// and returns once it listens (its socket is in <c>/proc/net/unix</c> in the listening state).
    /// </summary>
    /// <exception cref="LazyPagesStartException">The daemon ended or did not listen in time; whatever started is killed.</exception>
    public static async Task<LazyPagesDaemon> StartAsync(string criuPath, LazyPagesOptions options, IReadOnlyList<string> cgroupProcFiles, ProcFs procFs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cgroupProcFiles);
        var work = options.WorkDirectory ?? throw new ArgumentException("the lazy-pages daemon needs a work directory of its own", nameof(options));
        var argv = new List<string> { "-f", "/bin/sh", "-c", LazyPagesSupervisor.Script, "sh", work };
        argv.AddRange(cgroupProcFiles);
        argv.Add("--");
        argv.Add(criuPath);
        argv.AddRange(options.ToArguments());
        var start = new ProcessStartInfo("setsid", argv) { UseShellExecute = false };
        using (var setsid = Process.Start(start) ?? throw new LazyPagesStartException("setsid could not be started", null))
        {
            await setsid.WaitForExitAsync(cancellationToken);
        }

        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (File.Exists(Path.Combine(work, LazyPagesSupervisor.ExitFile)))
            {
                throw new LazyPagesStartException($"criu lazy-pages exited before it listened: {Explain(work, options.LogPath)}", ReadPid(work, LazyPagesSupervisor.DaemonPidFile));
            }
            if (ReadPid(work, LazyPagesSupervisor.DaemonPidFile) is { } daemon && ReadPid(work, LazyPagesSupervisor.SupervisorPidFile) is { } supervisor
                && IsListening(daemon, options.SocketPath))
            {
                var stat = await procFs.ReadStatAsync(supervisor, cancellationToken);
                return new LazyPagesDaemon(work, supervisor, stat.StartTime, daemon, options.LogPath);
            }
            if (Stopwatch.GetElapsedTime(started) > ListenPatience)
            {
                var orphan = ReadPid(work, LazyPagesSupervisor.DaemonPidFile);
                KillQuietly(ReadPid(work, LazyPagesSupervisor.SupervisorPidFile), orphan);
                throw new LazyPagesStartException($"criu lazy-pages did not listen on {options.SocketPath} within {ListenPatience.TotalSeconds:0} s: {Explain(work, options.LogPath)}", orphan);
            }
            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>
    /// Names the restored tree to the supervisor, which kills it should the daemon end early. When the daemon
    /// already ended badly, nobody will: the caller must end the tree (the result says so).
    /// </summary>
    /// <returns>The daemon's exit status when it already ended with pages owed, else <see langword="null"/>.</returns>
    public async Task<int?> AdoptTreeAsync(int hostPid, ulong startTime, CancellationToken cancellationToken)
    {
        var path = Path.Combine(WorkDirectory, LazyPagesSupervisor.TreeFile);
        await File.WriteAllTextAsync(path + ".tmp", string.Create(CultureInfo.InvariantCulture, $"{hostPid} {startTime}\n"), cancellationToken);
        File.Move(path + ".tmp", path, overwrite: true);
        return ReadExitCode(WorkDirectory) is { } code and not 0 ? code : null;
    }

    /// <summary>Kills the daemon and its supervisor (a restore that failed; its tree is ended by the caller).</summary>
    public void Kill() => KillQuietly(SupervisorPid, DaemonPid);

    /// <summary>The daemon's exit status once it ended, from the supervisor's record.</summary>
    public static int? ReadExitCode(string workDirectory)
    {
        var path = Path.Combine(workDirectory, LazyPagesSupervisor.ExitFile);
        try
        {
            return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A PID the supervisor wrote into <paramref name="workDirectory"/>, or null while it has not yet.</summary>
    public static int? ReadPid(string workDirectory, string file)
    {
        try
        {
            var path = Path.Combine(workDirectory, file);
            return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && pid > 1 ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether <paramref name="daemon"/> listens on its socket: one of its descriptors is a Unix socket in the
    /// listening state (flag <c>__SO_ACCEPTCON</c> in <c>/proc/net/unix</c>) bound to the socket's name. CRIU binds
    /// the name relative to its work directory, so the table shows only the file name; the daemon's own descriptors
    /// tell its socket from another restore's.
    /// </summary>
    private static bool IsListening(int daemon, string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{daemon}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target[8..^1]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        var name = Path.GetFileName(path);
        foreach (var line in File.ReadLines("/proc/net/unix"))
        {
            // Num RefCount Protocol Flags Type St Inode Path
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 8 && fields[3] == "00010000" && inodes.Contains(fields[6]) && Path.GetFileName(fields[7]) == name)
            {
                return true;
            }
        }
        return false;
    }

    private static void KillQuietly(int? supervisor, int? daemon)
    {
        // The supervisor first: killed after the daemon it would read a non-zero status and sweep the tree, which
        // is the caller's to end.
        if (supervisor is { } s)
        {
            ProcessKiller.Kill(s);
        }
        if (daemon is { } d)
        {
            ProcessKiller.Kill(d);
        }
    }

    private static string Explain(string work, string logPath)
    {
        var output = Path.Combine(work, LazyPagesSupervisor.OutputFile);
        var printed = File.Exists(output) ? File.ReadAllText(output).Trim() : string.Empty;
        var errors = File.Exists(logPath) ? CriuLog.ExtractErrors(logPath).Text : $"no log at {logPath}";
        return printed.Length == 0 ? errors : $"{printed}; {errors}";
    }
}
