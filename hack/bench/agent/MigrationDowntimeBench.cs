using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Operations;
using Cryo.Agent.Restoring.Lazy;
using Cryo.Agent.Store;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu;
using Cryo.Criu.Stats;
using Cryo.Testing.Agent;
using Cryo.Testing.Agent.Harness;
using Cryo.Testing.Certificates;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using CheckpointStage = Cryo.Agent.Operations.CheckpointStage;

namespace Cryo.Bench.Agent;

/// <summary>
/// "migration" (hack/bench.sh migration, after the transfer part): how long a moved workload is gone. Two agents on this
/// machine with separate stores stand in for two nodes; memhog (random memory, 1 GiB by default) moves from the first to
/// the second as a Migration moves it, in both modes, runs alternating:
/// stopAndCopy: dump (workload stopped), the second agent pulls, restore;
/// precopy: a live dump, pulled while the workload runs on and rewrites a tenth of its pages, then the final dump
/// (stopped; an increment of the live one), its pull (only what changed) and the restore of the chain, lazily as a
/// precopy Migration restores it (eagerly, and said so, where the kernel lacks userfaultfd).
/// Downtime is from the start of the final dump (the tree is frozen within it) to the restored copy running (the
/// restore engine returns once the copy runs, its images verified; a lazy copy's pages follow it, and the time until
/// they are all in is noted); every copy must then answer with the memory's checksum. Pulls go through the second
/// agent's own <c>PullCheckpoint</c>, over the agents' mutual TLS. Each final dump's note splits its time: CRIU's run, its
/// own memory-dump and memory-write times (<c>stats-dump</c>), and the CPU CRIU and the agents' threads burned meanwhile
/// (getrusage): on a shared machine, CPU beside wall time tells work from waiting.
/// </summary>
public static class MigrationDowntimeBench
{
    /// <summary>The size the issue sets the target at.</summary>
    public const int DefaultSizeMib = 1024;

    /// <summary>The issue's target for precopy's downtime on this machine.</summary>
    private const double PrecopyTargetMs = 1000;

    private const string Namespace = "default";

    public static async Task RunAsync(int sizeMib, int runs, string memhog, string criuPath, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("cryo-bench-migration-").FullName;
        var source = new BenchEngines(Path.Combine(directory, "a"), criuPath);
        var target = new BenchEngines(Path.Combine(directory, "b"), criuPath);
        using var pki = new TestPki();
        try
        {
            await using var agentA = await StartAgentAsync(source, "bench-a", pki, criuPath, cancellationToken);
            await using var agentB = await StartAgentAsync(target, "bench-b", pki, criuPath, cancellationToken);
            var client = agentB.UnixClient();
            Emit.Note($"migration {sizeMib} MiB: agents bench-a ({agentA.TlsAddress}) and bench-b, {runs} runs of each mode (work in {directory})");
            var samples = new Dictionary<string, List<Move>> { ["stopAndCopy"] = [], ["precopy"] = [] };
            for (var run = 0; run < runs; run++)
            {
                // Alternate which goes first: drift on a shared machine (page cache, other builds) falls on both.
                foreach (var precopy in run % 2 == 0 ? new[] { false, true } : [true, false])
                {
                    var move = await MoveAsync(source, target, client, agentA, sizeMib, memhog, $"run-{run}", precopy, cancellationToken);
                    samples[precopy ? "precopy" : "stopAndCopy"].Add(move);
                    var before = precopy ? string.Create(CultureInfo.InvariantCulture, $"; before it, live dump {move.LiveDumpMs:0} ms, live pull {move.LivePullMs:0} ms") : "";
                    var d = move.Dump;
                    Emit.Note(string.Create(CultureInfo.InvariantCulture,
                        $"run {run + 1} {(precopy ? "precopy" : "stopAndCopy")}: downtime {move.DowntimeMs:0} ms (final dump {move.DumpMs:0} ms: agent {d.AgentMs:0} ms, CRIU {d.CriuMs:0} ms [its memory dump {d.MemoryDumpMs:0} ms, write {d.MemoryWriteMs:0} ms; CPU: CRIU {d.CriuCpuMs:0} ms, agents {d.AgentCpuMs:0} ms], frozen {d.FrozenMs:0} ms, rewrite {d.RewriteMs:0} ms; pull {move.PullMs:0} ms of {move.PulledBytes / 1048576.0:0.0} MiB, {(move.Lazy ? "lazy" : "eager")} restore {move.RestoreMs:0} ms{(move.Lazy ? string.Create(CultureInfo.InvariantCulture, $", all memory in {move.AllMemoryMs:0} ms after it") : "")}){before}"));
                }
            }

            foreach (var (mode, moves) in samples)
            {
                var parts = new Dictionary<string, double>
                {
                    ["dump_ms"] = Emit.Median([.. moves.Select(m => m.DumpMs)]),
                    ["transfer_ms"] = Emit.Median([.. moves.Select(m => m.PullMs)]),
                    ["restore_ms"] = Emit.Median([.. moves.Select(m => m.RestoreMs)]),
                    ["transfer_mib"] = Emit.Median([.. moves.Select(m => m.PulledBytes / 1048576.0)]),
                    ["max_ms"] = moves.Max(m => m.DowntimeMs),
                };
                if (mode == "precopy")
                {
                    parts["live_dump_ms"] = Emit.Median([.. moves.Select(m => m.LiveDumpMs)]);
                    parts["live_transfer_ms"] = Emit.Median([.. moves.Select(m => m.LivePullMs)]);
                    parts["lazy_restores"] = moves.Count(m => m.Lazy);
                    parts["all_memory_after_running_ms"] = Emit.Median([.. moves.Select(m => m.AllMemoryMs)]);
                    parts["target"] = PrecopyTargetMs;
                }

                Emit.Metric("migration_downtime_ms", Emit.Median([.. moves.Select(m => m.DowntimeMs)]), "ms", sizeMib, moves.Count, parts, workload: mode);
            }
        }
        finally
        {
            await BenchSteps.SweepRestoreCgroupsAsync(target.Options);
            Directory.Delete(directory, recursive: true);
        }
    }

    // One move of a fresh memhog from the first agent to the second; the copy is checked and ended, both stores emptied.
    private static async Task<Move> MoveAsync(BenchEngines source, BenchEngines target, AgentService.AgentServiceClient client, InProcessAgent agentA,
        int sizeMib, string memhog, string name, bool precopy, CancellationToken cancellationToken)
    {
        var (workload, checksum) = await Memhog.StartAsync(sizeMib, memhog, cancellationToken, "cryo-bench-migration");
        var final = precopy ? $"{name}-precopy" : $"{name}-stop";
        var live = $"{final}-live";
        try
        {
            double liveDumpMs = 0, livePullMs = 0;
            string? parent = null;
            if (precopy)
            {
                var started = Stopwatch.GetTimestamp();
                await source.Checkpoints.CheckpointAsync(Commands.CheckpointOf(workload.InitPid, live, BenchSteps.Deadline), new Progress<CheckpointStage>(), cancellationToken);
                var dumped = Stopwatch.GetTimestamp();
                await PullAsync(client, agentA, live, cancellationToken);
                (liveDumpMs, livePullMs) = (BenchSteps.Ms(started, dumped), BenchSteps.Ms(dumped, Stopwatch.GetTimestamp()));
                // The workload runs on while its live checkpoint travels: a tenth of its pages change.
                checksum = await IncrementalBench.ChangeAsync(workload, cancellationToken);
                parent = live;
            }

            // No writeback of earlier work inside the measured window.
            BenchSteps.Sync();
            var cpuBefore = CpuTimes.Now();
            var frozen = Stopwatch.GetTimestamp();
            var finalOutcome = await source.Checkpoints.CheckpointAsync(Commands.CheckpointOf(workload.InitPid, final, BenchSteps.Deadline) with { LeaveRunning = false, ParentCheckpoint = parent },
                new Progress<CheckpointStage>(), cancellationToken);
            var finalDumped = Stopwatch.GetTimestamp();
            var cpuAfter = CpuTimes.Now();
            // Where the final dump's time goes: CRIU's dump and the freeze as the agent timed them, CRIU's own split of its
            // memory work, the CPU burned meanwhile, and an increment's rewrite.
            var stored = source.Store.FindByName(Namespace, final).SingleOrDefault();
            var stats = stored is null ? null : CriuStatisticsReader.ReadDump(stored.ImagesDirectory);
            var parts = new DumpParts(finalOutcome.Freeze.TotalMilliseconds, finalOutcome.Dump.TotalMilliseconds, stored?.Manifest.Increment?.RewriteMs ?? 0,
                finalOutcome.Total.TotalMilliseconds, stats?.MemoryDumpTime.TotalMilliseconds ?? 0, stats?.MemoryWriteTime.TotalMilliseconds ?? 0,
                (cpuAfter.Children - cpuBefore.Children) * 1000, (cpuAfter.Self - cpuBefore.Self) * 1000);
            var pulledBytes = await PullAsync(client, agentA, final, cancellationToken);
            var pulled = Stopwatch.GetTimestamp();
            // As a Migration restores: precopy lazily, its memory served from the chain the target holds.
            var command = Commands.RestoreOf(final, BenchSteps.Deadline);
            var outcome = await target.Restores.RestoreAsync(command, cancellationToken);
            var running = Stopwatch.GetTimestamp();
            var allMemory = running;
            try
            {
                if (outcome.Lazy)
                {
                    var status = await LazyTransfers.WaitAsync(outcome.WorkDirectory!, cancellationToken);
                    allMemory = Stopwatch.GetTimestamp();
                    BenchSteps.Require(status == 0, $"criu lazy-pages ended with status {status}");
                }
                else if (precopy)
                {
                    Emit.Note($"{final}: restored eagerly: {outcome.LazyFallbackReason}");
                }
                await Memhog.VerifyCopyAsync(outcome.HostPid, BenchSteps.RestoreOutput(target.Options, command.OperationId), checksum, final, cancellationToken);
            }
            finally
            {
                await ProcessReaper.KillTreeAsync(outcome.HostPid, CancellationToken.None);
                await BenchSteps.SweepRestoreCgroupsAsync(target.Options);
            }

            return new Move(BenchSteps.Ms(frozen, running), BenchSteps.Ms(frozen, finalDumped), BenchSteps.Ms(finalDumped, pulled), BenchSteps.Ms(pulled, running),
                pulledBytes, liveDumpMs, livePullMs, parts, outcome.Lazy, BenchSteps.Ms(running, allMemory));
        }
        finally
        {
            await workload.DisposeAsync();
            // The increment before its parent: a store refuses to delete a parent while a child builds on it.
            foreach (var store in new[] { source.Store, target.Store })
            {
                foreach (var checkpoint in new[] { final, live }.SelectMany(n => store.FindByName(Namespace, n)))
                {
                    store.Delete(checkpoint.Key);
                }
            }
        }
    }

    // The second agent pulls the checkpoint from the first, as the operator asks it to; returns the bytes received.
    private static async Task<long> PullAsync(AgentService.AgentServiceClient client, InProcessAgent source, string name, CancellationToken cancellationToken)
    {
        using var call = client.PullCheckpoint(
            new PullCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = Namespace, Name = name }, SourceAddress = source.TlsAddress, SourceNode = "bench-a" },
            deadline: DateTime.UtcNow + BenchSteps.Deadline, cancellationToken: cancellationToken);
        long received = -1;
        await foreach (var update in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (update.EventCase == PullCheckpointEvent.EventOneofCase.Result)
            {
                received = update.Result.BytesReceived;
            }
        }

        BenchSteps.Require(received >= 0, $"pulling {name} ended without a result");
        return received;
    }

    /// <summary>
    /// The agent as <c>Program.cs</c> builds it over the bench's engines and store, with its mutual-TLS listener on a free
    /// loopback port, accepting the other agent (the same certificate) as a peer.
    /// </summary>
    private static Task<InProcessAgent> StartAgentAsync(BenchEngines engines, string nodeName, TestPki pki, string criuPath, CancellationToken cancellationToken) =>
        InProcessAgent.StartAsync(
            InProcessAgent.WithTls(pki, settings =>
            {
                engines.AddAgentSettings(settings, criuPath, nodeName);
                settings["Agent:PeerIdentities:0"] = "localhost";
                settings["Logging:LogLevel:Default"] = "Warning";
            }),
            engines.Register,
            cancellationToken);

    private sealed record Move(double DowntimeMs, double DumpMs, double PullMs, double RestoreMs, long PulledBytes, double LiveDumpMs, double LivePullMs, DumpParts Dump,
        bool Lazy, double AllMemoryMs);

    /// <summary>
    /// The final dump as the agent timed it: frozen, CRIU's dump, an increment's rewrite, the whole checkpoint; CRIU's own
    /// memory-dump and memory-write times; the CPU CRIU (a reaped child) and this process (both agents) burned meanwhile.
    /// </summary>
    private sealed record DumpParts(double FrozenMs, double CriuMs, double RewriteMs, double AgentMs, double MemoryDumpMs, double MemoryWriteMs,
        double CriuCpuMs, double AgentCpuMs);
}
