using System.Diagnostics;
using System.Runtime.CompilerServices;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// hack/bench/agent/memhog.c, built static once per test run, in a container-shaped workload: it prints
/// <c>ready CHECKSUM</c> once its memory is written, <c>check CHECKSUM</c> on SIGUSR1 (reading every page) and
/// <c>alive N</c> on SIGWINCH (reading none of them).
/// </summary>
public static class MemoryHog
{
    private static readonly Lazy<string> Binary = new(Build);

    /// <summary>The static memhog binary (built on first use).</summary>
    public static string BinaryPath => Binary.Value;

    /// <summary>Starts memhog holding <paramref name="mib"/> MiB; returns it once ready, with its checksum.</summary>
    public static async Task<(ContainerWorkload Workload, string Checksum)> StartAsync(int mib, TimeSpan patience)
    {
        var workload = await ContainerWorkload.StartAsync(new ContainerSpec
        {
            Script = $"exec /app/memhog {mib}\n",
            HostFiles = new Dictionary<string, string> { ["/app/memhog"] = Binary.Value },
            StartTimeout = patience,
        }, CancellationToken.None);
        try
        {
            var ready = await workload.WaitForOutputAsync(o => o.Contains('\n', StringComparison.Ordinal), patience, CancellationToken.None);
            return (workload, Answer(ready, "ready")!);
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
    }

    /// <summary>The value of the last <paramref name="word"/> line in <paramref name="output"/>, or null.</summary>
    public static string? Answer(string output, string word) =>
        output.Split('\n').LastOrDefault(l => l.StartsWith(word + " ", StringComparison.Ordinal))?[(word.Length + 1)..].Trim();

    /// <summary>Signals <paramref name="pid"/> and waits for its <paramref name="word"/> answer in <paramref name="outputPath"/>.</summary>
    public static async Task<string> AskAsync(int pid, string signal, string word, string outputPath, TimeSpan patience)
    {
        using (var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        var deadline = Stopwatch.GetTimestamp() + (long)(patience.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var text = File.Exists(outputPath) ? await File.ReadAllTextAsync(outputPath) : "";
            if (text.EndsWith('\n') && Answer(text, word) is { } answer)
            {
                return answer;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"memhog PID {pid} did not answer SIG{signal} with '{word}' within {patience} ({outputPath}: '{(File.Exists(outputPath) ? await File.ReadAllTextAsync(outputPath) : "missing")}'; {Describe(pid)})");
    }

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

    private static string Build()
    {
        var binary = Path.Combine(Path.GetTempPath(), $"cryo-memhog-{Environment.ProcessId}");
        var source = Path.GetFullPath(Path.Join(Path.GetDirectoryName(ThisFile())!, "..", "..", "..", "hack", "bench", "agent", "memhog.c"));
        using var gcc = Process.Start("gcc", ["-static", "-O2", "-Wall", "-Werror", "-o", binary, source]);
        gcc.WaitForExit();
        if (gcc.ExitCode != 0)
        {
            throw new InvalidOperationException($"gcc failed on {source}");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(binary);
        return binary;
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
