using System.Diagnostics;
using System.Globalization;

namespace Cryo.Testing.Agent.Harness;

/// <summary>
/// Starts a launcher command whose last step writes the init's host PID to a file and then execs the init;
/// drains its stdout/stderr (or a pty) and waits until the init runs its own command.
/// </summary>
internal sealed class LaunchedInit
{
    /// <summary>The argument bash scripts carry as <c>$0</c>, so the harness can tell the launcher from the init.</summary>
    public const string LauncherMarker = "cryo-harness-launch";

    private static readonly string[] LauncherCommands = ["/bin/setsid", "/bin/env", "setsid", "env"];

    private LaunchedInit(Process launcher, OutputCollector stdout, OutputCollector stderr, OutputCollector? launcherStdout)
    {
        Launcher = launcher;
        Stdout = stdout;
        Stderr = stderr;
        LauncherStdout = launcherStdout;
    }

    public Process Launcher { get; }

    public int InitPid { get; private set; }

    /// <summary>The init's start time, to recognise it later despite PID reuse.</summary>
    public ulong? InitStartTime { get; private set; }

    /// <summary><see langword="true"/> while <see cref="InitPid"/> still names the init this launcher started.</summary>
    public bool InitIsOurs => InitPid != 0 && InitStartTime is not null && ProcessReaper.StartTimeOf(InitPid) == InitStartTime;

    public OutputCollector Stdout { get; }

    public OutputCollector Stderr { get; }

    public OutputCollector? LauncherStdout { get; }

    /// <summary>Starts <paramref name="argv"/> with a clean environment; with a pty, stdout is read from its master.</summary>
    public static LaunchedInit Start(IReadOnlyList<string> argv, Pty? pty)
    {
        var info = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        info.Environment["LANG"] = "C";
        var process = Process.Start(info) ?? throw new WorkloadStartException($"could not start {argv[0]}");
        // Nobody writes to the workload's stdin: it reads end-of-file (the init itself gets /dev/null or the pty).
        process.StandardInput.Close();
        var stderr = new OutputCollector(process.StandardError.BaseStream);
        return pty is null
            ? new LaunchedInit(process, new OutputCollector(process.StandardOutput.BaseStream), stderr, null)
            : new LaunchedInit(process, new OutputCollector(pty.OpenReader()), stderr, new OutputCollector(process.StandardOutput.BaseStream));
    }

    /// <summary>Waits for the PID file, then until that process has exec'd past the launcher (or already exited).</summary>
    public async Task WaitForInitAsync(string pidFile, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (InitPid == 0 && File.Exists(pidFile)
                && int.TryParse((await File.ReadAllTextAsync(pidFile, cancellationToken)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                InitPid = pid;
                InitStartTime = ProcessReaper.StartTimeOf(pid);
            }

            if (InitPid != 0 && (IsPastLauncher(InitPid) || !ProcessReaper.IsAlive(InitPid)))
            {
                return;
            }

            if (InitPid == 0 && Launcher.HasExited)
            {
                await Stderr.StopAsync(TimeSpan.FromSeconds(2));
                throw new WorkloadStartException($"the launcher exited with {Launcher.ExitCode} before starting the init: {Stderr.Text}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new WorkloadStartException($"the init did not start within {timeout.TotalSeconds:0} s (init PID {InitPid}); launcher stderr: {Stderr.Text}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    private static bool IsPastLauncher(int pid)
    {
        string[] argv;
        try
        {
            argv = File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            // Gone already: the caller checks liveness.
            return false;
        }

        return argv.Length > 0 && argv[0].Length > 0 && !argv.Contains(LauncherMarker) && !LauncherCommands.Contains(argv[0]);
    }
}
