using System.Diagnostics;
using Cryo.Agent.Attempts;
using Cryo.Agent.Operations;
using Cryo.Agent.Restoring;
using Cryo.Testing.Agent;

namespace Cryo.Bench.Agent;

/// <summary>Steps every part of the benchmark takes between and around timed runs.</summary>
public static class BenchSteps
{
    /// <summary>How long one checkpoint or restore may take.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(10);

    /// <summary>Flushes dirty pages, so no timed run pays for the previous run's writeback.</summary>
    public static void Sync()
    {
        using var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false })!;
        sync.WaitForExit();
    }

    /// <summary>Kills whatever restored copies are left in the engines' restore cgroups, and removes the cgroups.</summary>
    public static async Task SweepRestoreCgroupsAsync(EngineOptions options)
    {
        foreach (var (_, hierarchy) in RestoreCgroups.Hierarchies(options))
        {
            var parent = Path.Combine(hierarchy, BenchEngines.CgroupParent);
            if (!Directory.Exists(parent))
            {
                continue;
            }
            foreach (var cgroup in Directory.EnumerateDirectories(parent))
            {
                await ProcessReaper.KillCgroupAsync(cgroup, remove: true, CancellationToken.None);
            }
        }
    }

    /// <summary>The standard output file of a standalone restore (its run directory holds one per attempt).</summary>
    public static string RestoreOutput(EngineOptions options, string operationId) =>
        Directory.EnumerateDirectories(Path.Combine(options.RunDirectory, "restores"), operationId + ".*")
            .Select(d => Path.Combine(d, "stdout.log")).Single(File.Exists);

    /// <summary>Where CRIU's logs of every run are copied when CRYO_BENCH_KEEP_LOGS names a directory (for reading timelines).</summary>
    private static readonly string? KeptLogs = Environment.GetEnvironmentVariable("CRYO_BENCH_KEEP_LOGS");

    /// <summary>Copies a CRIU log to CRYO_BENCH_KEEP_LOGS as <paramref name="name"/>, when that is set.</summary>
    public static void KeepLog(string log, string name)
    {
        if (string.IsNullOrEmpty(KeptLogs) || !File.Exists(log))
        {
            return;
        }
        Directory.CreateDirectory(KeptLogs);
        File.Copy(log, Path.Combine(KeptLogs, name), overwrite: true);
    }

    public static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>
    /// Restores checkpoint <paramref name="name"/> standalone, checks the copy answers with <paramref name="checksum"/>, ends it
    /// and sweeps its cgroups; returns the restore's seconds (the engine call alone) and the engine's outcome (CRIU's time, the verification's).
    /// </summary>
    public static async Task<(double Seconds, RestoreOutcome Outcome)> RestoreVerifiedAsync(BenchEngines engines, string name, string checksum, CancellationToken cancellationToken)
    {
        var quiet = await QuietAsync(engines);
        var command = Commands.RestoreOf(name, Deadline);
        var started = Stopwatch.GetTimestamp();
        var outcome = await engines.Restores.RestoreAsync(command, cancellationToken);
        var seconds = Seconds(started, Stopwatch.GetTimestamp());
        KeepLog(Path.Combine(outcome.WorkDirectory!, "restore.log"), $"restore-{name}-{command.OperationId}.log");
        try
        {
            await Memhog.VerifyCopyAsync(outcome.HostPid, RestoreOutput(engines.Options, command.OperationId), checksum, name, cancellationToken);
        }
        finally
        {
            await ProcessReaper.KillTreeAsync(outcome.HostPid, CancellationToken.None);
            await SweepRestoreCgroupsAsync(engines.Options);
        }
        Emit.Note(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"restore {name}: {seconds:0.000} s (CRIU {outcome.Restore.TotalMilliseconds:0} ms, verify {outcome.Verify.TotalMilliseconds:0} ms); before it {quiet}"));
        return (seconds, outcome);
    }

    /// <summary>
    /// Waits for what the store removes beside its callers (a superseded flat copy, a gigabyte on a volume mounted with
    /// discard) and syncs, so a timed operation runs alone; says how long each took.
    /// </summary>
    public static async Task<string> QuietAsync(BenchEngines engines)
    {
        var started = Stopwatch.GetTimestamp();
        await engines.Store.RemovalsBesideDoneAsync();
        var removed = Stopwatch.GetTimestamp();
        Sync();
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"waited {Ms(started, removed):0} ms for removals beside, synced in {Ms(removed, Stopwatch.GetTimestamp()):0} ms");
    }

    public static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    public static double Ms(long from, long to) => Seconds(from, to) * 1000;
}
