using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Operations;
using Cryo.Agent.Store.Compression;
using Cryo.Testing.Agent;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Bench.Agent;

/// <summary>
/// "compression" (hack/bench.sh compression): for a JVM-like and a Redis-like workload (memhog's jvm and redis modes),
/// checkpoints with <c>compression: zstd</c> alternated with plain ones of the same memory, then restores of the last of
/// each alternated; every copy must answer with the memory's checksum. Per workload: compressed_bytes_ratio (stored bytes,
/// compressed / plain), compressed_dump_vs_plain_ratio and compressed_restore_vs_plain_ratio (medians, side by side).
/// </summary>
public static class CompressionBench
{
    public static readonly string[] Workloads = ["jvm", "redis"];

    public static async Task RunAsync(int sizeMib, int runs, string memhog, string criuPath, CancellationToken cancellationToken)
    {
        foreach (var mode in Workloads)
        {
            await RunWorkloadAsync(mode, sizeMib, runs, memhog, criuPath, cancellationToken);
        }
    }

    private static async Task RunWorkloadAsync(string mode, int sizeMib, int runs, string memhog, string criuPath, CancellationToken cancellationToken)
    {
        await using var bench = new BenchWorkspace("cryo-bench-compression-", criuPath);
        var engines = bench.Engines;
        var (workload, checksum) = await bench.StartMemhogAsync(sizeMib, memhog, cancellationToken, "cryo-bench-compression", mode);
        Emit.Note($"compression {mode} {sizeMib} MiB: memhog PID {workload.InitPid} ready (work in {bench.Directory})");
        var plainSeconds = new List<double>();
        var zstdSeconds = new List<double>();
        CheckpointOutcome? plain = null;
        CheckpointOutcome? zstd = null;
        for (var run = 0; run < runs; run++)
        {
            // Alternate which goes first: the second of a pair finds more of the memory in the page cache.
            foreach (var compressed in run % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var name = $"{(compressed ? "zstd" : "plain")}-{run}";
                var (outcome, seconds) = await CheckpointAsync(engines, workload, name, compressed, cancellationToken);
                (compressed ? zstdSeconds : plainSeconds).Add(seconds);
                // Keep the disk to the last of each.
                var previous = compressed ? zstd : plain;
                if (previous is not null)
                {
                    engines.Store.Delete(engines.Store.FindByName("default", previous.Name).Single().Key);
                }
                if (compressed)
                {
                    zstd = outcome;
                }
                else
                {
                    plain = outcome;
                }
            }
        }

        var plainRestore = new List<double>();
        var zstdRestore = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            foreach (var (name, samples) in run % 2 == 0
                         ? new[] { (zstd!.Name, zstdRestore), (plain!.Name, plainRestore) }
                         : new[] { (plain!.Name, plainRestore), (zstd!.Name, zstdRestore) })
            {
                samples.Add(await RestoreAsync(engines, name, checksum, cancellationToken));
            }
        }

        Emit.Metric("compressed_bytes_ratio", zstd!.StoredBytes / (double)plain!.StoredBytes, "ratio", sizeMib, 1, new Dictionary<string, double>
        {
            ["compressed_stored_bytes"] = zstd.StoredBytes,
            ["plain_stored_bytes"] = plain.StoredBytes,
        }, mode);
        Emit.Metric("compressed_dump_vs_plain_ratio", Emit.Median(zstdSeconds) / Emit.Median(plainSeconds), "ratio", sizeMib, runs, new Dictionary<string, double>
        {
            ["compressed_seconds"] = Emit.Median(zstdSeconds),
            ["plain_seconds"] = Emit.Median(plainSeconds),
        }, mode);
        Emit.Metric("compressed_restore_vs_plain_ratio", Emit.Median(zstdRestore) / Emit.Median(plainRestore), "ratio", sizeMib, runs, new Dictionary<string, double>
        {
            ["compressed_seconds"] = Emit.Median(zstdRestore),
            ["plain_seconds"] = Emit.Median(plainRestore),
        }, mode);
    }

    private static async Task<(CheckpointOutcome Outcome, double Seconds)> CheckpointAsync(BenchEngines engines, ContainerWorkload workload, string name, bool compressed,
        CancellationToken cancellationToken)
    {
        BenchSteps.Sync();
        var command = Commands.CheckpointOf(workload.InitPid, name, BenchSteps.Deadline) with { Compression = compressed ? ImageCompression.Zstd : null };
        var started = Stopwatch.GetTimestamp();
        var outcome = await engines.Checkpoints.CheckpointAsync(command, new StageClock<CheckpointStage>(), cancellationToken);
        var seconds = BenchSteps.Seconds(started, Stopwatch.GetTimestamp());
        Emit.Note(string.Create(CultureInfo.InvariantCulture,
            $"checkpoint {name}: {seconds:0.000} s, {outcome.StoredBytes} bytes stored of {outcome.SizeBytes} (CRIU {BenchSteps.Ms(engines.Criu.LastStarted, engines.Criu.LastEnded):0} ms)"));
        return (outcome, seconds);
    }

    private static async Task<double> RestoreAsync(BenchEngines engines, string name, string checksum, CancellationToken cancellationToken) =>
        (await BenchSteps.RestoreVerifiedAsync(engines, name, checksum, cancellationToken)).Seconds;
}
