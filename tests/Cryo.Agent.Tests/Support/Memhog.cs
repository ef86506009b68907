using System.Diagnostics;
using System.Globalization;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// hack/bench/agent/memhog.c, built static once per test run, in a container-shaped workload: random memory whose
/// checksum it prints (<c>ready X</c>) once written, prints again on SIGUSR1 (<c>check X</c>, reading every page),
/// a tenth of which it rewrites on SIGUSR2 (<c>changed X</c>), and <c>alive N</c> on SIGWINCH (reading none of
/// them): a restored copy proves its memory is the memory at checkpoint time, a lazily restored one that it runs
/// before its memory arrived.
/// </summary>
public static class Memhog
{
    private static readonly Lazy<string> Binary = new(Compile);
    private static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);

    /// <summary>The static memhog binary (built on first use).</summary>
    public static string BinaryPath => Binary.Value;

    /// <summary>
    /// Starts memhog holding <paramref name="mib"/> MiB (<paramref name="mode"/>: random, jvm or redis memory); returns it once
    /// its memory is written, with the checksum.
    /// </summary>
    public static async Task<(ContainerWorkload Workload, string Checksum)> StartAsync(int mib, CancellationToken cancellationToken, string mode = "random",
        TimeSpan? patience = null)
    {
        var workload = await ContainerWorkload.StartAsync(new ContainerSpec
        {
            Script = $"exec /app/memhog {mib} {mode}\n",
            HostFiles = new Dictionary<string, string> { ["/app/memhog"] = Binary.Value },
            StartTimeout = patience ?? DefaultPatience,
        }, cancellationToken);
        try
        {
            var output = await workload.WaitForOutputAsync(o => Answer(o, "ready") is not null, patience ?? DefaultPatience, cancellationToken);
            return (workload, Answer(output, "ready")!);
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
    }

    /// <summary>Rewrites a tenth of the workload's pages; returns the new checksum.</summary>
    public static async Task<string> ChangeAsync(ContainerWorkload workload, CancellationToken cancellationToken)
    {
        var before = Answers(workload.Stdout, "changed").Count;
        await SignalAsync(workload.InitPid, "USR2");
        var output = await workload.WaitForOutputAsync(o => Answers(o, "changed").Count > before, DefaultPatience, cancellationToken);
        return Answer(output, "changed")!;
    }

    /// <summary>
    /// Signals <paramref name="pid"/> (a copy whose standard output is in <paramref name="outputPath"/>) and waits for its
    /// <paramref name="word"/> answer (the last one there): <c>USR1</c> → <c>check</c> (its checksum), <c>WINCH</c> → <c>alive</c>.
    /// </summary>
    public static async Task<string> AskAsync(int pid, string signal, string word, string outputPath, TimeSpan? patience = null, CancellationToken cancellationToken = default)
    {
        await SignalAsync(pid, signal);
        var deadline = Stopwatch.GetTimestamp() + (long)((patience ?? DefaultPatience).TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var text = File.Exists(outputPath) ? await File.ReadAllTextAsync(outputPath, cancellationToken) : "";
            if (Answer(text, word) is { } answer)
            {
                return answer;
            }
            await Task.Delay(20, cancellationToken);
        }
        throw new TimeoutException($"memhog PID {pid} did not answer SIG{signal} with '{word}' within {patience ?? DefaultPatience} ({outputPath}: " +
                                   $"'{(File.Exists(outputPath) ? await File.ReadAllTextAsync(outputPath, cancellationToken) : "missing")}'; {Describe(pid)})");
    }

    /// <summary>The value of the last complete <paramref name="word"/> line in <paramref name="output"/>, or null.</summary>
    public static string? Answer(string output, string word) => Answers(output, word) is { Count: > 0 } answers ? answers[^1] : null;

    /// <summary>What the kernel says about <paramref name="pid"/>: state, where it sleeps, signals pending and caught.</summary>
    public static string Describe(int pid)
    {
        try
        {
            var status = File.ReadAllLines($"/proc/{pid}/status").Where(l => l.StartsWith("State:", StringComparison.Ordinal) || l.StartsWith("Sig", StringComparison.Ordinal) || l.StartsWith("ShdPnd", StringComparison.Ordinal));
            var freezer = File.ReadAllLines($"/proc/{pid}/cgroup").Select(l => l.Split(':', 3)).FirstOrDefault(f => f[1] == "freezer")?[2];
            var state = freezer is null ? "none" : File.ReadAllText($"/sys/fs/cgroup/freezer{freezer}/freezer.state").Trim();
            return $"{string.Join(", ", status)}, wchan {File.ReadAllText($"/proc/{pid}/wchan")}, freezer {freezer} {state}";
        }
        catch (IOException)
        {
            return "gone";
        }
    }

    // The values of the complete (newline-ended) "WORD VALUE" lines, in order.
    private static List<string> Answers(string output, string word) =>
    [
        .. output.Split('\n').SkipLast(1)
            .Where(l => l.StartsWith(word + " ", StringComparison.Ordinal) && l.Length > word.Length + 1)
            .Select(l => l[(word.Length + 1)..].Trim()),
    ];

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("cannot start kill");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed");
        }
    }

    private static string Compile()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Support", "memhog.c");
        var binary = Path.Combine(Path.GetTempPath(), $"cryo-test-memhog-{Environment.ProcessId}");
        using var gcc = Process.Start(new ProcessStartInfo("gcc", ["-static", "-O2", "-Wall", "-Werror", "-o", binary, source]) { UseShellExecute = false, RedirectStandardError = true })
            ?? throw new InvalidOperationException("cannot start gcc (hack/install-deps.sh installs it)");
        var errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0)
        {
            throw new InvalidOperationException($"gcc failed on {source}: {errors}");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(binary);
        return binary;
    }
}
