using System.Globalization;
using Cryo.Testing.Agent.Harness;

namespace Cryo.Bench.Agent;

/// <summary>
/// The agent before a change against the agent after it, in one process, on one memhog workload, each divided by the
/// same bare CRIU runs: per run, both agents checkpoint (which goes first alternates), then a bare <c>criu dump</c>
/// replays the current agent's command line; then both restore their own last checkpoint and a bare <c>criu restore</c>
/// replays the current agent's plan, after one uncounted warm-up round. Two separate benchmark runs do not compare: CRIU's own time moved by 18 % from one
/// to the other on the same machine, so their ratios said as much about the machine as about the agents.
/// </summary>
public static class BeforeAfterBench
{
    private static readonly string[] Agents = ["before", "after"];

    public static async Task RunAsync(int sizeMib, int runs, string beforeDll, string memhog, string criuPath, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("cryo-bench-").FullName;
        var after = new CurrentAgent(new BenchEngines(Path.Combine(directory, "after"), criuPath));
        var before = new BeforeAgent(beforeDll, Path.Combine(directory, "before"), criuPath);
        ContainerWorkload? workload = null;
        try
        {
            Emit.Note($"before/after {sizeMib} MiB: the agent of {beforeDll} against this one, {runs} runs of each (work in {directory})");
            (workload, var checksum) = await Memhog.StartAsync(sizeMib, memhog, cancellationToken);
            var name = $"memhog-{sizeMib}";
            var pid = workload.InitPid;
            var dumps = await RoundsAsync("dump", runs,
                which => which == "before" ? before.CheckpointAsync(pid, name, cancellationToken) : after.CheckpointAsync(pid, name, cancellationToken),
                (run, into) => RawBaseline.DumpAsync(after.Engines, name, run, directory, criuPath, into, cancellationToken));
            await Memhog.VerifyOriginalAsync(workload, checksum, cancellationToken);
            var restores = await RoundsAsync("restore", runs,
                which => which == "before" ? before.RestoreAsync(name, checksum, cancellationToken) : after.RestoreAsync(name, checksum, cancellationToken),
                (run, into) => RawBaseline.RestoreAsync(after.Engines, name, run, directory, checksum, criuPath, into, cancellationToken));
            Report(sizeMib, runs, dumps, restores);
        }
        finally
        {
            await BenchSteps.SweepRestoreCgroupsAsync(after.Engines.Options);
            if (workload is not null)
            {
                await workload.DisposeAsync();
            }
            Directory.Delete(directory, recursive: true);
        }
    }

    // Round 0 warms both agents up (JIT, first use of the store) and is not counted; each round ends with the bare CRIU run.
    private static async Task<Samples> RoundsAsync(string kind, int runs, Func<string, Task<AgentRun>> agent, Func<int, Samples, Task> raw)
    {
        var samples = new Samples();
        for (var run = 0; run <= runs; run++)
        {
            var into = run == 0 ? new Samples() : samples;
            foreach (var which in Order(run))
            {
                BenchSteps.Sync();
                Add(into, which, await agent(which));
            }
            await raw(run, into);
            Emit.Note(string.Create(CultureInfo.InvariantCulture,
                $"{kind} {run}/{runs}{(run == 0 ? " (warm-up)" : "")} ({Order(run)[0]} first): before {into.Last("before"):0.000} s, after {into.Last("after"):0.000} s, raw criu {into.Last("raw"):0.000} s"));
        }
        return samples;
    }

    // Which agent goes first alternates, so neither always meets the page cache and writeback the other left.
    private static string[] Order(int run) => run % 2 == 0 ? Agents : [.. Agents.Reverse()];

    private static void Add(Samples s, string which, AgentRun run)
    {
        s.Add(which, run.Seconds);
        s.Add($"{which}_criu_ms", run.CriuMs);
        s.Add($"{which}_hash_tail_ms", run.HashTailMs);
        s.Add($"{which}_commit_ms", run.CommitMs);
        s.Add($"{which}_verify_ms", run.VerifyMs);
    }

    private static void Report(int sizeMib, int runs, Samples dumps, Samples restores)
    {
        var rawDump = dumps.Median("raw");
        var rawRestore = restores.Median("raw");
        Emit.Metric("criu_dump_seconds", rawDump, "s", sizeMib, runs);
        Emit.Metric("criu_restore_seconds", rawRestore, "s", sizeMib, runs);
        foreach (var which in Agents)
        {
            Emit.Metric($"{which}_agent_checkpoint_seconds", dumps.Median(which), "s", sizeMib, runs);
            Emit.Metric($"{which}_agent_vs_criu_dump_ratio", dumps.Median(which) / rawDump, "ratio", sizeMib, runs);
            Emit.Metric($"{which}_agent_checkpoint_criu_ms", dumps.Median($"{which}_criu_ms"), "ms", sizeMib, runs);
            Emit.Metric($"{which}_agent_checkpoint_hash_tail_ms", dumps.Median($"{which}_hash_tail_ms"), "ms", sizeMib, runs);
            Emit.Metric($"{which}_agent_checkpoint_commit_ms", dumps.Median($"{which}_commit_ms"), "ms", sizeMib, runs);
            Emit.Metric($"{which}_agent_restore_seconds", restores.Median(which), "s", sizeMib, runs);
            Emit.Metric($"{which}_agent_vs_criu_restore_ratio", restores.Median(which) / rawRestore, "ratio", sizeMib, runs);
            Emit.Metric($"{which}_agent_restore_criu_ms", restores.Median($"{which}_criu_ms"), "ms", sizeMib, runs);
            Emit.Metric($"{which}_agent_restore_verify_ms", restores.Median($"{which}_verify_ms"), "ms", sizeMib, runs);
        }
        Emit.Metric("after_vs_before_checkpoint_ratio", dumps.Median("after") / dumps.Median("before"), "ratio", sizeMib, runs);
        Emit.Metric("after_vs_before_restore_ratio", restores.Median("after") / restores.Median("before"), "ratio", sizeMib, runs);
    }
}
