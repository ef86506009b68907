using System.Diagnostics;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// hack/bench/agent/memhog.c in a container-shaped tree: random memory whose checksum it prints ("ready X"), prints
/// again on SIGUSR1 ("check X"), and a tenth of which it rewrites on SIGUSR2 ("changed X"), so a restored copy
/// proves its memory is the memory at checkpoint time.
/// </summary>
public static class Memhog
{
    private const int SigUsr1 = 10;
    private const int SigUsr2 = 12;
    private static readonly Lazy<string> Binary = new(Compile);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Starts memhog holding <paramref name="mib"/> MiB (<paramref name="mode"/>: random, jvm or redis memory); returns it once
    /// its memory is written, with the checksum.
    /// </summary>
    public static async Task<(ContainerWorkload Workload, string Checksum)> StartAsync(int mib, CancellationToken cancellationToken, string mode = "random")
    {
        var workload = await ContainerWorkload.StartAsync(new ContainerSpec
        {
            Script = $"exec /app/memhog {mib} {mode}\n",
            HostFiles = new Dictionary<string, string> { ["/app/memhog"] = Binary.Value },
        }, cancellationToken);
        try
        {
            var output = await workload.WaitForOutputAsync(o => Last(o, "ready") is not null, Patience, cancellationToken);
            return (workload, Last(output, "ready")!);
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
        var before = Count(workload.Stdout, "changed");
        Signal(workload.InitPid, SigUsr2);
        var output = await workload.WaitForOutputAsync(o => Count(o, "changed") > before, Patience, cancellationToken);
        return Last(output, "changed")!;
    }

    /// <summary>Asks a restored copy (its standard output in <paramref name="outputPath"/>) for its checksum.</summary>
    public static async Task<string> ChecksumOfCopyAsync(int pid, string outputPath, CancellationToken cancellationToken)
    {
        Signal(pid, SigUsr1);
        var deadline = Stopwatch.GetTimestamp() + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var text = File.Exists(outputPath) ? await File.ReadAllTextAsync(outputPath, cancellationToken) : "";
            if (Last(text, "check") is { } checksum)
            {
                return checksum;
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                var status = File.Exists($"/proc/{pid}/status") ? string.Join("; ", File.ReadAllLines($"/proc/{pid}/status").Where(l => l.StartsWith("State", StringComparison.Ordinal) || l.StartsWith("Sig", StringComparison.Ordinal) || l.StartsWith("Shd", StringComparison.Ordinal))) : "gone";
                throw new TimeoutException($"the restored copy {pid} did not answer SIGUSR1 within {Patience} ({outputPath}: '{text}'; {status})");
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    private static void Signal(int pid, int signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", $"{pid}"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("cannot start kill");
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed");
        }
    }

    private static int Count(string output, string word) => output.Split('\n').Count(l => l.StartsWith(word + " ", StringComparison.Ordinal) && l.Length > word.Length + 16);

    // The last complete "WORD CHECKSUM" line.
    private static string? Last(string output, string word) =>
        output.Split('\n').LastOrDefault(l => l.StartsWith(word + " ", StringComparison.Ordinal) && l.Length == word.Length + 17)?[(word.Length + 1)..];

    private static string Compile()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Support", "memhog.c");
        var binary = Path.Combine(Path.GetTempPath(), $"cryo-test-memhog-{Environment.ProcessId}");
        using var gcc = Process.Start(new ProcessStartInfo("gcc", ["-static", "-O2", "-o", binary, source]) { UseShellExecute = false, RedirectStandardError = true })
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
