using System.Diagnostics;
using System.Globalization;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Bench.Agent;

/// <summary>
/// The benchmark's workload: memhog in a container-shaped tree. It prints "ready CHECKSUM" once its memory
/// is written, and "check CHECKSUM" on SIGUSR1, so a restored copy proves its memory came back intact.
/// </summary>
public static class Memhog
{
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    /// <summary>Starts memhog holding <paramref name="sizeMib"/> MiB; returns it once ready, with its checksum.</summary>
    public static async Task<(ContainerWorkload Workload, string Checksum)> StartAsync(int sizeMib, string memhog, CancellationToken cancellationToken,
        string cgroupParent = "cryo-bench", string mode = "random")
    {
        var workload = await ContainerWorkload.StartAsync(new ContainerSpec
        {
            Script = $"exec /app/memhog {sizeMib} {mode}\n",
            HostFiles = new Dictionary<string, string> { ["/app/memhog"] = memhog },
            Hostname = "bench",
            CgroupParent = cgroupParent + BenchEngines.RunSuffix,
            StartTimeout = Patience,
        }, cancellationToken);
        try
        {
            var ready = await workload.WaitForOutputAsync(o => o.Contains('\n', StringComparison.Ordinal), Patience, cancellationToken);
            return (workload, ParseChecksum(ready, "ready"));
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
    }

    /// <summary>The original (left running by every dump) must still answer with its checksum.</summary>
    public static async Task VerifyOriginalAsync(ContainerWorkload workload, string checksum, CancellationToken cancellationToken)
    {
        await SignalAsync(workload.InitPid, cancellationToken);
        var after = await workload.WaitForOutputAsync(o => o.Contains("check ", StringComparison.Ordinal), Patience, cancellationToken);
        BenchSteps.Require(ParseChecksum(after, "check") == checksum, $"the original (left running) answered {ParseChecksum(after, "check")}, not {checksum}");
    }

    /// <summary>SIGUSR1 makes memhog recompute its checksum; the copy's output file must show the original's.</summary>
    public static async Task VerifyCopyAsync(int pid, string outputPath, string checksum, string kind, CancellationToken cancellationToken)
    {
        await SignalAsync(pid, cancellationToken);
        var deadline = Stopwatch.GetTimestamp() + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var text = File.Exists(outputPath) ? await File.ReadAllTextAsync(outputPath, cancellationToken) : "";
            var at = text.IndexOf("check ", StringComparison.Ordinal);
            if (at >= 0 && text.IndexOf('\n', at) > at)
            {
                var got = ParseChecksum(text, "check");
                BenchSteps.Require(got == checksum, $"the {kind} restored copy (PID {pid}) answered checksum {got}, the original {checksum}");
                return;
            }
            BenchSteps.Require(Stopwatch.GetTimestamp() < deadline, $"the {kind} restored copy (PID {pid}) did not answer SIGUSR1 within {Patience} ({outputPath}: '{text}')");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Sends memhog SIGUSR1: it answers with a "check CHECKSUM" line.</summary>
    public static async Task SignalAsync(int pid, CancellationToken cancellationToken)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-USR1", pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync(cancellationToken);
        BenchSteps.Require(kill.ExitCode == 0, $"kill -USR1 {pid} failed");
    }

    /// <summary>The checksum on memhog's last line starting with <paramref name="word"/> ("ready" or "check").</summary>
    public static string ParseChecksum(string output, string word)
    {
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith(word + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no '{word} ' line in '{output}'");
        return line[(word.Length + 1)..].Trim();
    }
}
