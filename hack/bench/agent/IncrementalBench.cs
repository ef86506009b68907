using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Cryo.Agent.Operations;
using Cryo.Testing.Agent;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Bench.Agent;

/// <summary>
/// "incremental" (hack/bench.sh incremental): memhog (random memory, 1 GiB by default) checkpointed in full, then
/// five times over: a tenth of its pages rewritten, a child checkpoint of the previous one (by content: a full dump
/// rewritten against the parent's page index) and, beside it, a full checkpoint of the same memory. Then restores of
/// the fifth child (a chain of six) from the full images it keeps as the newest of its chain, in rotation with restores of
/// the last full checkpoint; then, its copy removed, read by CRIU through its parent links and written out whole for it
/// first, again beside the full checkpoint. Every copy must answer with the memory's checksum. Ratios of medians,
/// measured side by side. Each checkpoint's note says what /proc/meminfo held unwritten (after a sync) as it began.
/// </summary>
public static partial class IncrementalBench
{
    private const int Children = 5;

    public static async Task RunAsync(int sizeMib, int runs, string memhog, string criuPath, CancellationToken cancellationToken)
    {
        await using var bench = new BenchWorkspace("cryo-bench-incremental-", criuPath);
        var engines = bench.Engines;
        // A cgroup parent of its own: another agent benchmark's exit sweeps "cryo-bench" (the machine is shared).
        var (workload, checksum) = await bench.StartMemhogAsync(sizeMib, memhog, cancellationToken, "cryo-bench-incremental");
        Emit.Note($"incremental {sizeMib} MiB: memhog PID {workload.InitPid} ready (work in {bench.Directory})");
        var (baseOutcome, _) = await CheckpointAsync(engines, workload, "full-0", null, cancellationToken);
        var fullSeconds = new List<double>();
        var childSeconds = new List<double>();
        var storedRatios = new List<double>();
        var rewriteMs = new List<double>();
        var parent = "full-0";
        var lastFull = "full-0";
        for (var i = 1; i <= Children; i++)
        {
            checksum = await ChangeAsync(workload, cancellationToken);
            // Alternate which goes first: the second of a pair finds more of the memory in the page cache.
            var childFirst = i % 2 == 1;
            CheckpointOutcome? child = null;
            CheckpointOutcome? full = null;
            for (var turn = 0; turn < 2; turn++)
            {
                if ((turn == 0) == childFirst)
                {
                    var (outcome, seconds) = await CheckpointAsync(engines, workload, $"child-{i}", parent, cancellationToken);
                    child = outcome;
                    childSeconds.Add(seconds);
                }
                else
                {
                    var (outcome, seconds) = await CheckpointAsync(engines, workload, $"full-{i}", null, cancellationToken);
                    full = outcome;
                    fullSeconds.Add(seconds);
                }
            }
            storedRatios.Add(child!.StoredBytes / (double)full!.StoredBytes);
            var increment = engines.Store.FindByName("default", $"child-{i}").Single().Manifest.Increment!;
            rewriteMs.Add(increment.RewriteMs);
            Emit.Note(string.Create(CultureInfo.InvariantCulture,
                $"child {i}: {child.StoredBytes} bytes stored of {child.SizeBytes} ({increment.PagesInParent} of {increment.Pages} pages left to the parent, rewrite {increment.RewriteMs:0} ms{(increment.PagesCopiedBesideDump ? ", changed pages copied beside the dump" : "")}), {childSeconds[^1]:0.000} s; full {full.StoredBytes} bytes, {fullSeconds[^1]:0.000} s"));
            // Keep the disk to the chain and the last full checkpoint.
            if (lastFull != "full-0")
            {
                engines.Store.Delete(engines.Store.FindByName("default", lastFull).Single().Key);
            }
            lastFull = $"full-{i}";
            parent = $"child-{i}";
        }

        // The fifth child is restored as the agent does by default, from the full images it keeps as the newest of its
        // chain (Agent:Engine:KeepFlatCopy), beside the full checkpoint in rotating order; then, its copy removed, as an
        // older child is: read by CRIU through its parent links (and written out whole for CRIU first,
        // Agent:Engine:FlattenChainOnRestore), again beside the full checkpoint.
        var newest = engines.Store.FindByName("default", parent).Single();
        var flatCopyBytes = newest.FlatCopyBytes;
        BenchSteps.Require(flatCopyBytes > 0, $"{parent} keeps no flat copy");
        // What each restore hashes beside CRIU: from the kept copy, the copy and the child's other files; the full checkpoint, its own.
        var keptVerifyBytes = VerifiedBytes(newest.Manifest.Files.Where(f => !(f.Path.StartsWith("images/", StringComparison.Ordinal) && newest.Manifest.FlatCopy!.Replaces(f.Path["images/".Length..])))
            .Concat(newest.Manifest.FlatCopy!.Files));
        var fullVerifyBytes = VerifiedBytes(engines.Store.FindByName("default", lastFull).Single().Manifest.Files);
        KeepPagesImages(newest.FlatCopyDirectory, engines.Store.FindByName("default", lastFull).Single().ImagesDirectory);
        var keptRestore = new List<(double Seconds, RestoreOutcome Outcome)>();
        var chainRestore = new List<(double Seconds, RestoreOutcome Outcome)>();
        var flatRestore = new List<(double Seconds, RestoreOutcome Outcome)>();
        var fullRestore = new List<(double Seconds, RestoreOutcome Outcome)>();
        var chainFullRestore = new List<(double Seconds, RestoreOutcome Outcome)>();
        await RestoreInRotationAsync(engines, [(parent, keptRestore, false), (lastFull, fullRestore, false)], runs, checksum, cancellationToken);
        engines.Store.DropFlatCopy(newest, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await RestoreInRotationAsync(engines, [(parent, chainRestore, false), (lastFull, chainFullRestore, false), (parent, flatRestore, true)], runs, checksum, cancellationToken);

        Emit.Metric("incremental_new_bytes_ratio", storedRatios[0], "ratio", sizeMib, 1, new Dictionary<string, double>
        {
            ["child_stored_bytes"] = storedRatios[0] * baseOutcome.StoredBytes,
            ["full_stored_bytes"] = baseOutcome.StoredBytes,
            // Beside the newest child's increment, until a newer child commits: CRIU's full images, for fast restores.
            ["newest_child_flat_copy_bytes"] = flatCopyBytes,
            ["median_of_5_children"] = Emit.Median(storedRatios),
            ["max_of_5_children"] = storedRatios.Max(),
        });
        Emit.Metric("incremental_dump_vs_full_ratio", Emit.Median(childSeconds) / Emit.Median(fullSeconds), "ratio", sizeMib, Children, new Dictionary<string, double>
        {
            ["child_seconds"] = Emit.Median(childSeconds),
            ["full_seconds"] = Emit.Median(fullSeconds),
            ["rewrite_ms"] = Emit.Median(rewriteMs),
        });
        // Where the time goes: CRIU's run and the images' verification beside it (the restore waits for both).
        Emit.Metric("incremental_restore_vs_full_ratio", Emit.Median(Seconds(keptRestore)) / Emit.Median(Seconds(fullRestore)), "ratio", sizeMib, runs, new Dictionary<string, double>
        {
            ["chain_length"] = Children + 1,
            ["kept_seconds"] = Emit.Median(Seconds(keptRestore)),
            ["full_seconds"] = Emit.Median(Seconds(fullRestore)),
            ["kept_criu_seconds"] = Emit.Median([.. keptRestore.Select(r => r.Outcome.Restore.TotalSeconds)]),
            ["kept_verify_seconds"] = Emit.Median([.. keptRestore.Select(r => r.Outcome.Verify.TotalSeconds)]),
            ["kept_verify_bytes"] = keptVerifyBytes,
            ["full_verify_bytes"] = fullVerifyBytes,
            // Without the kept copy (an older child of a chain): through the parent links, beside full restores of their own.
            ["chain_seconds"] = Emit.Median(Seconds(chainRestore)),
            ["chain_vs_full_ratio"] = Emit.Median(Seconds(chainRestore)) / Emit.Median(Seconds(chainFullRestore)),
            ["chain_criu_seconds"] = Emit.Median([.. chainRestore.Select(r => r.Outcome.Restore.TotalSeconds)]),
            ["full_criu_seconds"] = Emit.Median([.. fullRestore.Select(r => r.Outcome.Restore.TotalSeconds)]),
            ["chain_verify_seconds"] = Emit.Median([.. chainRestore.Select(r => r.Outcome.Verify.TotalSeconds)]),
            ["full_verify_seconds"] = Emit.Median([.. fullRestore.Select(r => r.Outcome.Verify.TotalSeconds)]),
            // The chain written out whole first: the whole restore, CRIU's part, and the steps up to CRIU's start (the copy).
            ["flat_seconds"] = Emit.Median(Seconds(flatRestore)),
            ["flat_criu_seconds"] = Emit.Median([.. flatRestore.Select(r => r.Outcome.Restore.TotalSeconds)]),
            ["flat_prepare_seconds"] = Emit.Median([.. flatRestore.Select(r => r.Outcome.Steps!.Prepare.TotalSeconds)]),
            ["full_prepare_seconds"] = Emit.Median([.. fullRestore.Select(r => r.Outcome.Steps!.Prepare.TotalSeconds)]),
            ["flat_vs_full_ratio"] = Emit.Median(Seconds(flatRestore)) / Emit.Median(Seconds(chainFullRestore)),
        });
    }

    /// <summary>Restores each series' checkpoint <paramref name="runs"/> times, in rotating order, every copy's memory checked.</summary>
    private static async Task RestoreInRotationAsync(BenchEngines engines, (string Name, List<(double, RestoreOutcome)> Samples, bool Flatten)[] series, int runs,
        string checksum, CancellationToken cancellationToken)
    {
        for (var run = 0; run < runs; run++)
        {
            for (var turn = 0; turn < series.Length; turn++)
            {
                var (name, samples, flatten) = series[(run + turn) % series.Length];
                engines.Options.FlattenChainOnRestore = flatten;
                samples.Add(await BenchSteps.RestoreVerifiedAsync(engines, name, checksum, cancellationToken));
            }
        }
        engines.Options.FlattenChainOnRestore = false;
    }

    private static async Task<(CheckpointOutcome Outcome, double Seconds)> CheckpointAsync(BenchEngines engines, ContainerWorkload workload, string name, string? parent,
        CancellationToken cancellationToken)
    {
        var quiet = await BenchSteps.QuietAsync(engines);
        // Every dump starts with the page cache dropped (after the sync, so nothing is lost): on this project's VMs memory
        // left free a while is handed back to the host and costs CRIU 2-5x to write into, while memory just freed does
        // not, so without it the first dump of each child/full pair got the memory the last pair's deletions freed and
        // the second did not, and with five pairs (three led by a child) that order, not the agent, set the ratio.
        File.WriteAllText("/proc/sys/vm/drop_caches", "1");
        // After the sync: what the page cache still holds unwritten is what the dump competes with.
        var memory = MemInfo.Read();
        var command = Commands.CheckpointOf(workload.InitPid, name, BenchSteps.Deadline) with { ParentCheckpoint = parent };
        var clock = new StageClock<CheckpointStage>();
        var started = Stopwatch.GetTimestamp();
        var outcome = await engines.Checkpoints.CheckpointAsync(command, clock, cancellationToken);
        var ended = Stopwatch.GetTimestamp();
        var criu = engines.Criu;
        var committing = clock.When(CheckpointStage.Committing) ?? ended;
        Emit.Note(string.Create(CultureInfo.InvariantCulture,
            $"checkpoint {name}: {BenchSteps.Seconds(started, ended):0.000} s: before CRIU {BenchSteps.Ms(started, criu.LastStarted):0} ms, CRIU {BenchSteps.Ms(criu.LastStarted, criu.LastEnded):0} ms, hash tail {BenchSteps.Ms(criu.LastEnded, committing):0} ms, rewrite and commit {BenchSteps.Ms(committing, ended):0} ms; before it: {quiet}, {memory}; load {File.ReadAllText("/proc/loadavg").Trim()}"));
        return (outcome, BenchSteps.Seconds(started, ended));
    }

    /// <summary>
    /// Hard-links the kept copy's and the full checkpoint's pages images into CRYO_BENCH_KEEP_IMAGES when that is set, so that
    /// reading them can be compared without CRIU after the run (the links outlive the run's directory).
    /// </summary>
    private static void KeepPagesImages(string flatCopyDirectory, string fullImagesDirectory)
    {
        var keep = Environment.GetEnvironmentVariable("CRYO_BENCH_KEEP_IMAGES");
        if (string.IsNullOrEmpty(keep))
        {
            return;
        }
        Directory.CreateDirectory(keep);
        foreach (var (from, prefix) in new[] { (flatCopyDirectory, "kept-"), (fullImagesDirectory, "full-") })
        {
            foreach (var file in Directory.EnumerateFiles(from, "pages-*.img"))
            {
                BenchSteps.Require(Link(file, Path.Combine(keep, prefix + Path.GetFileName(file))) == 0, $"link {file} failed");
            }
        }
    }

    // The page index is not hashed beside CRIU (the increment that reads it checks it).
    private static long VerifiedBytes(IEnumerable<Cryo.Agent.Store.Manifest.ManifestFile> files) =>
        files.Where(f => f.Path != "page-index.pb").Sum(f => f.Size);

    private static List<double> Seconds(List<(double Seconds, RestoreOutcome Outcome)> samples) => [.. samples.Select(s => s.Seconds)];

    /// <summary>SIGUSR2 makes memhog rewrite a tenth of its pages; returns its new checksum.</summary>
    internal static async Task<string> ChangeAsync(ContainerWorkload workload, CancellationToken cancellationToken)
    {
        var before = workload.Stdout.Split('\n').Count(l => l.StartsWith("changed ", StringComparison.Ordinal));
        BenchSteps.Require(Kill(workload.InitPid, 12) == 0, $"kill -USR2 {workload.InitPid} failed");
        var output = await workload.WaitForOutputAsync(
            o => o.Split('\n').Count(l => l.StartsWith("changed ", StringComparison.Ordinal) && l.Length == 24) > before, Memhog.Patience, cancellationToken);
        return output.Split('\n').Last(l => l.StartsWith("changed ", StringComparison.Ordinal) && l.Length == 24)["changed ".Length..];
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
