using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Cryo.Agent.Restoring.Lazy;
using Cryo.Testing.Agent;

namespace Cryo.Bench.Agent;

/// <summary>
/// Lazy against eager restore of one checkpoint of memhog, through the same engine, runs alternated. From the
/// call to the engine: "running" is when the copy answers SIGWINCH (memhog then touches none of its big
/// allocation), "all memory" is when the restore returned (eager) or the lazy-pages daemon ended having served
/// every page (lazy). Every copy must then answer SIGUSR1 with the original's checksum.
/// </summary>
public static partial class LazyBench
{
    public const int DefaultSizeMib = 2048;
    private const int SigWinch = 28;

    public static async Task RunAsync(int sizeMib, int runs, string memhog, string criuPath, CancellationToken cancellationToken)
    {
        await using var bench = new BenchWorkspace("cryo-bench-lazy-", criuPath);
        var engines = bench.Engines;
        Emit.Note($"lazy {sizeMib} MiB: starting memhog ({runs} lazy and {runs} eager restores, alternated; work in {bench.Directory})");
        var (workload, checksum) = await bench.StartMemhogAsync(sizeMib, memhog, cancellationToken);
        var name = $"memhog-lazy-{sizeMib}";
        await engines.Checkpoints.CheckpointAsync(Commands.CheckpointOf(workload.InitPid, name, BenchSteps.Deadline), new StageClock<Cryo.Agent.Operations.CheckpointStage>(), cancellationToken);
        var why = await engines.LazyTransfers.WhyUnavailableAsync(cancellationToken);
        BenchSteps.Require(why is null, $"lazy restore is unavailable here: {why}");

        var s = new Samples();
        for (var run = 0; run < runs; run++)
        {
            var (eagerRunning, eagerAll) = await RestoreOnceAsync(engines, name, checksum, lazy: false, cancellationToken);
            var (lazyRunning, lazyAll) = await RestoreOnceAsync(engines, name, checksum, lazy: true, cancellationToken);
            s.Add("eager_running", eagerRunning);
            s.Add("eager_all", eagerAll);
            s.Add("lazy_running", lazyRunning);
            s.Add("lazy_all", lazyAll);
            Emit.Note(string.Create(CultureInfo.InvariantCulture,
                $"lazy {sizeMib} MiB run {run + 1}/{runs}: eager answers after {eagerRunning:0.000} s (all memory {eagerAll:0.000} s); lazy answers after {lazyRunning:0.000} s, all memory after {lazyAll:0.000} s"));
        }
        Report(sizeMib, runs, s);
    }

    private static async Task<(double Running, double AllMemory)> RestoreOnceAsync(BenchEngines engines, string name, string checksum, bool lazy, CancellationToken cancellationToken)
    {
        BenchSteps.Sync();
        var command = Commands.RestoreOf(name, BenchSteps.Deadline) with { Lazy = lazy };
        var started = Stopwatch.GetTimestamp();
        var outcome = await engines.Restores.RestoreAsync(command, cancellationToken);
        var returned = Stopwatch.GetTimestamp();
        try
        {
            BenchSteps.Require(outcome.Lazy == lazy, $"asked for a {(lazy ? "lazy" : "eager")} restore, got {(outcome.Lazy ? "lazy" : "eager")}: {outcome.LazyFallbackReason}");
            var output = BenchSteps.RestoreOutput(engines.Options, command.OperationId);
            Signal(outcome.HostPid, SigWinch);
            await WaitForLineAsync(output, "alive ", cancellationToken);
            var answered = Stopwatch.GetTimestamp();
            var allMemory = returned;
            if (lazy)
            {
                var status = await LazyTransfers.WaitAsync(outcome.WorkDirectory!, cancellationToken);
                allMemory = Stopwatch.GetTimestamp();
                BenchSteps.Require(status == 0, $"criu lazy-pages ended with status {status}");
            }
            await Memhog.VerifyCopyAsync(outcome.HostPid, output, checksum, lazy ? "lazy" : "eager", cancellationToken);
            return (BenchSteps.Seconds(started, answered), BenchSteps.Seconds(started, allMemory));
        }
        finally
        {
            await ProcessReaper.KillTreeAsync(outcome.HostPid, CancellationToken.None);
            await BenchSteps.SweepRestoreCgroupsAsync(engines.Options);
        }
    }

    private static async Task WaitForLineAsync(string path, string prefix, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Memhog.Patience.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var text = File.Exists(path) ? await File.ReadAllTextAsync(path, cancellationToken) : "";
            var at = text.IndexOf(prefix, StringComparison.Ordinal);
            if (at >= 0 && text.IndexOf('\n', at) > at)
            {
                return;
            }
            BenchSteps.Require(Stopwatch.GetTimestamp() < deadline, $"no '{prefix}' line in {path} within {Memhog.Patience}");
            await Task.Delay(2, cancellationToken);
        }
    }

    private static void Signal(int pid, int signal) =>
        BenchSteps.Require(Kill(pid, signal) == 0, $"kill({pid}, {signal}) failed");

    private static void Report(int sizeMib, int runs, Samples s)
    {
        var eagerRunning = s.Median("eager_running");
        var lazyRunning = s.Median("lazy_running");
        var eagerAll = s.Median("eager_all");
        var lazyAll = s.Median("lazy_all");
        Emit.Metric("eager_restore_time_to_running_seconds", eagerRunning, "s", sizeMib, runs);
        Emit.Metric("lazy_restore_time_to_running_seconds", lazyRunning, "s", sizeMib, runs);
        Emit.Metric("eager_restore_time_to_all_memory_seconds", eagerAll, "s", sizeMib, runs);
        Emit.Metric("lazy_restore_time_to_all_memory_seconds", lazyAll, "s", sizeMib, runs);
        Emit.Metric("lazy_vs_eager_time_to_running_ratio", lazyRunning / eagerRunning, "ratio", sizeMib, runs,
            new Dictionary<string, double> { ["lazy_seconds"] = lazyRunning, ["eager_seconds"] = eagerRunning, ["target"] = 0.2 });
        Emit.Metric("lazy_time_to_all_memory_vs_eager_ratio", lazyAll / eagerAll, "ratio", sizeMib, runs,
            new Dictionary<string, double> { ["lazy_seconds"] = lazyAll, ["eager_seconds"] = eagerAll, ["target"] = 1.2 });
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
