using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Restoring;

namespace Cryo.Agent.Tests.Placeholder;

/// <summary>
/// One cryo-placeholder running as the init of its own PID namespace, as in a container, with helpers to
/// start "restored" apps inside that namespace and hand their PIDs over the way the agent does.
/// </summary>
internal sealed class PlaceholderProcess : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Process _launcher;
    private readonly DirectoryInfo _scratch;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];

    private PlaceholderProcess(Process launcher, DirectoryInfo scratch)
    {
        _launcher = launcher;
        _scratch = scratch;
    }

    /// <summary>The placeholder's PID on the host (it is PID 1 inside its namespace).</summary>
    public int HostPid { get; private set; }

    /// <summary>A directory both the test and the namespace see (for files the apps wait on).</summary>
    public string SharedDir => _scratch.FullName;

    /// <summary>What the placeholder wrote to stderr so far.</summary>
    public string Log
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    private string HandoffFile => Path.Join(_scratch.FullName, "handoff", "restored.pid");

    /// <summary>
    /// Starts the placeholder and waits until it is ready. <paramref name="timeoutSeconds"/> goes into
    /// CRYO_PLACEHOLDER_TIMEOUT_SECONDS as given; without <paramref name="createHandoffDirectory"/> the handoff
    /// directory does not exist yet when the placeholder starts.
    /// </summary>
    public static async Task<PlaceholderProcess> StartAsync(
        PlaceholderBuild build, string timeoutSeconds, CancellationToken cancellationToken, bool createHandoffDirectory = true, bool waitUntilReady = true)
    {
        var scratch = Directory.CreateTempSubdirectory("cryo-placeholder-test-");
        if (createHandoffDirectory)
        {
            scratch.CreateSubdirectory("handoff");
        }

        var start = new ProcessStartInfo(build.LauncherPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(build.PlaceholderPath);
        start.Environment[PlaceholderHandoff.HandoffFileVariable] = Path.Join(scratch.FullName, "handoff", "restored.pid");
        start.Environment[PlaceholderHandoff.TimeoutVariable] = timeoutSeconds;
        var placeholder = new PlaceholderProcess(Process.Start(start)!, scratch);
        placeholder._launcher.OutputDataReceived += (_, e) => Append(placeholder._stdout, e.Data);
        placeholder._launcher.ErrorDataReceived += (_, e) => Append(placeholder._stderr, e.Data);
        placeholder._launcher.BeginOutputReadLine();
        placeholder._launcher.BeginErrorReadLine();

        var pidLine = await placeholder.WaitForLineAsync(placeholder._stdout, l => l.StartsWith("pid ", StringComparison.Ordinal), cancellationToken);
        placeholder.HostPid = int.Parse(pidLine["pid ".Length..], CultureInfo.InvariantCulture);
        if (waitUntilReady)
        {
            // Until it says so its signal handling is not set up, and a namespace init ignores SIGTERM.
            await placeholder.WaitForLogAsync("waiting for a restore", cancellationToken);
        }

        return placeholder;
    }

    public static Task<PlaceholderProcess> StartAsync(PlaceholderBuild build, int timeoutSeconds, CancellationToken cancellationToken) =>
        StartAsync(build, timeoutSeconds.ToString(CultureInfo.InvariantCulture), cancellationToken);

    /// <summary>
    /// Starts <paramref name="script"/> (sh) inside the namespace as an orphan, so it is reparented to the
    /// placeholder like CRIU's detached root; returns its PID in the namespace's numbering.
    /// </summary>
    public async Task<int> StartOrphanAsync(string script, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-t", HostPid.ToString(CultureInfo.InvariantCulture), "-p", "-m", "--", "sh", "-c", $"( {script} ) </dev/null >/dev/null 2>&1 & echo $!" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 || !int.TryParse(output.Trim(), CultureInfo.InvariantCulture, out var pid))
        {
            throw new InvalidOperationException($"nsenter failed ({process.ExitCode}): {output}{errors}");
        }

        return pid;
    }

    /// <summary>Hands something that is not a PID over (a temp file renamed into place, as the agent does).</summary>
    public void HandOff(string content)
    {
        var temporary = HandoffFile + ".tmp";
        File.WriteAllText(temporary, content + "\n");
        File.Move(temporary, HandoffFile, overwrite: true);
    }

    /// <summary>Hands a PID over with the agent's own code.</summary>
    public Task HandOffAsync(int pid, CancellationToken cancellationToken) =>
        PlaceholderHandoff.WriteAsync(HandoffFile, pid, cancellationToken);

    /// <summary>Sends a signal to the placeholder from outside its namespace, as the container runtime does.</summary>
    public async Task SignalAsync(string signal, CancellationToken cancellationToken)
    {
        using var kill = Process.Start("kill", ["-s", signal, HostPid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(cancellationToken);
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>The placeholder's current children (host PIDs), zombies included.</summary>
    public IReadOnlyList<int> Children()
    {
        var text = File.ReadAllText($"/proc/{HostPid}/task/{HostPid}/children");
        return text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>Whether the placeholder has ended (its launcher reported it).</summary>
    public bool HasEnded
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.Any(IsOutcome);
            }
        }
    }

    public Task WaitForLogAsync(string fragment, CancellationToken cancellationToken) =>
        WaitForLineAsync(_stderr, l => l.Contains(fragment, StringComparison.Ordinal), cancellationToken);

    public async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {Patience.TotalSeconds} s; placeholder log:\n{Log}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    public async Task<PlaceholderOutcome> WaitForOutcomeAsync(CancellationToken cancellationToken)
    {
        var line = await WaitForLineAsync(_stdout, IsOutcome, cancellationToken);
        var value = int.Parse(line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        return line.StartsWith("signaled", StringComparison.Ordinal) ? PlaceholderOutcome.Killed(value) : PlaceholderOutcome.Exited(value);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_launcher.HasExited)
        {
            // Killing the namespace's init kills everything in the namespace.
            if (HostPid > 0 && !HasEnded)
            {
                using var kill = Process.Start("kill", ["-s", "KILL", HostPid.ToString(CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync();
            }

            if (!_launcher.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _launcher.Kill();
            }
        }

        await _launcher.WaitForExitAsync();
        _launcher.Dispose();
        _scratch.Delete(recursive: true);
    }

    private static bool IsOutcome(string line) =>
        line.StartsWith("exited ", StringComparison.Ordinal) || line.StartsWith("signaled ", StringComparison.Ordinal);

    private static void Append(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (lines)
        {
            lines.Add(line);
        }
    }

    private async Task<string> WaitForLineAsync(List<string> lines, Func<string, bool> match, CancellationToken cancellationToken)
    {
        string? found = null;
        await WaitUntilAsync(
            () =>
            {
                lock (lines)
                {
                    found = lines.FirstOrDefault(match);
                }

                return found is not null;
            },
            "the expected output",
            cancellationToken);
        return found!;
    }
}
