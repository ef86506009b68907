using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Cgroups;
using Cryo.Agent.Containers;
using Cryo.Agent.Operations;
using Cryo.Agent.Restoring;
using Cryo.Agent.Store;
using Cryo.Testing.Agent;
using Cryo.Testing.Agent.Harness;
using Cryo.Criu.Images;

namespace Cryo.Bench.Agent;

/// <summary>
/// One workload size: a container-shaped tree running memhog; agent checkpoints alternated with raw
/// <c>criu dump</c> runs replaying the engine's exact command line, then agent restores of the last
/// checkpoint alternated with raw <c>criu restore</c> runs of the same images with the engine's plan.
/// Every restored copy must answer SIGUSR1 with the original's checksum, and is killed before the next run.
/// </summary>
public static class SizeBench
{
    public static async Task RunAsync(int sizeMib, int runs, string memhog, string criuPath, CancellationToken cancellationToken)
    {
        await using var bench = new BenchWorkspace("cryo-bench-", criuPath);
        var engines = bench.Engines;
        var directory = bench.Directory;
        Emit.Note($"size {sizeMib} MiB: starting memhog in a container-shaped tree ({runs} runs of each kind, work in {directory})");
        var (workload, checksum) = await bench.StartMemhogAsync(sizeMib, memhog, cancellationToken);
        Emit.Note($"size {sizeMib} MiB: memhog PID {workload.InitPid} ready, checksum {checksum}");

        var name = $"memhog-{sizeMib}";
        var dumps = await DumpsAsync(engines, workload, name, sizeMib, runs, directory, criuPath, cancellationToken);
        await Memhog.VerifyOriginalAsync(workload, checksum, cancellationToken);

        var restores = await RestoresAsync(engines, name, checksum, runs, directory, criuPath, cancellationToken);
        Report(sizeMib, runs, dumps, restores);
    }

    private static async Task<Samples> DumpsAsync(BenchEngines engines, ContainerWorkload workload, string name, int sizeMib, int runs,
        string directory, string criuPath, CancellationToken cancellationToken)
    {
        var s = new Samples();
        CheckpointKey? previous = null;
        for (var run = 0; run < runs; run++)
        {
            BenchSteps.Sync();
            var clock = new StageClock<CheckpointStage>();
            var command = Commands.CheckpointOf(workload.InitPid, name, BenchSteps.Deadline);
            var cpu = CpuTimes.Now();
            var started = Stopwatch.GetTimestamp();
            var outcome = await engines.Checkpoints.CheckpointAsync(command, clock, cancellationToken);
            var ended = Stopwatch.GetTimestamp();
            var cpuAfter = CpuTimes.Now();
            s.Add("agent_self_cpu", cpuAfter.Self - cpu.Self);
            s.Add("agent_criu_cpu", cpuAfter.Children - cpu.Children);
            var criu = engines.Criu;
            var committing = clock.When(CheckpointStage.Committing) ?? ended;
            s.Add("agent", BenchSteps.Seconds(started, ended));
            s.Add("freeze_ms", outcome.Freeze.TotalMilliseconds);
            s.Add("image_bytes", outcome.SizeBytes);
            s.Add("before_criu_ms", BenchSteps.Ms(started, criu.LastStarted));
            s.Add("criu_in_agent_ms", BenchSteps.Ms(criu.LastStarted, criu.LastEnded));
            s.Add("hash_tail_ms", BenchSteps.Ms(criu.LastEnded, committing));
            s.Add("commit_ms", BenchSteps.Ms(committing, ended));
            BenchSteps.KeepLog(Path.Combine(engines.Store.RootDirectory, outcome.Location, "images", CriuImageFiles.DumpLog), $"{name}-dump-{run}-agent.log");
            if (previous is not null)
            {
                engines.Store.Delete(previous);
            }
            previous = new CheckpointKey(command.Namespace, command.Name, command.OperationId);

            await RawBaseline.DumpAsync(engines, name, run, directory, criuPath, s, cancellationToken);
            Emit.Note(string.Create(CultureInfo.InvariantCulture,
                $"size {sizeMib} MiB dump {run + 1}/{runs}: agent {BenchSteps.Seconds(started, ended):0.000} s (before CRIU {BenchSteps.Ms(started, criu.LastStarted):0} ms, CRIU {BenchSteps.Ms(criu.LastStarted, criu.LastEnded):0} ms (its process {outcome.Dump.TotalMilliseconds:0} ms), hash tail {BenchSteps.Ms(criu.LastEnded, committing):0} ms, commit {BenchSteps.Ms(committing, ended):0} ms; freeze {outcome.Freeze.TotalMilliseconds:0} ms), raw criu {s.Last("raw"):0.000} s"));
        }
        return s;
    }

    private static async Task<Samples> RestoresAsync(BenchEngines engines, string name, string checksum, int runs,
        string directory, string criuPath, CancellationToken cancellationToken)
    {
        var s = new Samples();
        for (var run = 0; run < runs; run++)
        {
            BenchSteps.Sync();
            var command = Commands.RestoreOf(name, BenchSteps.Deadline);
            var cpu = CpuTimes.Now();
            var started = Stopwatch.GetTimestamp();
            var outcome = await engines.Restores.RestoreAsync(command, cancellationToken);
            var ended = Stopwatch.GetTimestamp();
            var cpuAfter = CpuTimes.Now();
            s.Add("agent_self_cpu", cpuAfter.Self - cpu.Self);
            s.Add("agent_criu_cpu", cpuAfter.Children - cpu.Children);
            var criu = engines.Criu;
            s.Add("agent", BenchSteps.Seconds(started, ended));
            s.Add("before_criu_ms", BenchSteps.Ms(started, criu.LastStarted));
            s.Add("criu_in_agent_ms", BenchSteps.Ms(criu.LastStarted, criu.LastEnded));
            s.Add("after_criu_ms", BenchSteps.Ms(criu.LastEnded, ended));
            s.Add("verify_ms", outcome.Verify.TotalMilliseconds);
            try
            {
                var output = BenchSteps.RestoreOutput(engines.Options, command.OperationId);
                BenchSteps.KeepLog(Path.Combine(Path.GetDirectoryName(output)!, CriuImageFiles.RestoreLog), $"{name}-restore-{run}-agent.log");
                await Memhog.VerifyCopyAsync(outcome.HostPid, output, checksum, "agent", cancellationToken);
            }
            finally
            {
                await ProcessReaper.KillTreeAsync(outcome.HostPid, CancellationToken.None);
                await BenchSteps.SweepRestoreCgroupsAsync(engines.Options);
            }

            var raw = await RawBaseline.RestoreAsync(engines, name, run, directory, checksum, criuPath, s, cancellationToken);
            Emit.Note(string.Create(CultureInfo.InvariantCulture,
                $"{name} restore {run + 1}/{runs}: agent {BenchSteps.Seconds(started, ended):0.000} s (before CRIU {BenchSteps.Ms(started, criu.LastStarted):0} ms, CRIU {BenchSteps.Ms(criu.LastStarted, criu.LastEnded):0} ms (its process {outcome.Restore.TotalMilliseconds:0} ms), after CRIU {BenchSteps.Ms(criu.LastEnded, ended):0} ms, verify {outcome.Verify.TotalMilliseconds:0} ms in parallel), raw criu {raw:0.000} s"));
        }
        return s;
    }

    private static void Report(int sizeMib, int runs, Samples dumps, Samples restores)
    {
        ReportStep(dumps, "checkpoint", "dump", sizeMib, runs, "hash_tail_ms", "commit_ms");
        Emit.Metric("image_bytes", dumps.Median("image_bytes"), "bytes", sizeMib, runs);
        Emit.Metric("criu_image_bytes", dumps.Median("raw_image_bytes"), "bytes", sizeMib, runs);
        Emit.Metric("freeze_ms", dumps.Median("freeze_ms"), "ms", sizeMib, runs);
        ReportStep(restores, "restore", "restore", sizeMib, runs, "after_criu_ms", "verify_ms");
    }

    /// <summary>
    /// The figures a checkpoint and a restore both have, named once for both: the agent's step
    /// (<paramref name="agentStep"/>) against CRIU's (<paramref name="criuStep"/>), the agent's time around
    /// CRIU, the CPU seconds; <paramref name="ownSteps"/> are the step's own millisecond series.
    /// </summary>
    private static void ReportStep(Samples s, string agentStep, string criuStep, int sizeMib, int runs, params string[] ownSteps)
    {
        var agent = s.Median("agent");
        var raw = s.Median("raw");
        Emit.Metric($"agent_{agentStep}_seconds", agent, "s", sizeMib, runs);
        Emit.Metric($"criu_{criuStep}_seconds", raw, "s", sizeMib, runs);
        Emit.Metric($"agent_vs_criu_{criuStep}_ratio", agent / raw, "ratio", sizeMib, runs);
        Emit.Metric($"agent_{agentStep}_before_criu_ms", s.Median("before_criu_ms"), "ms", sizeMib, runs);
        Emit.Metric($"agent_{agentStep}_criu_ms", s.Median("criu_in_agent_ms"), "ms", sizeMib, runs);
        foreach (var step in ownSteps)
        {
            Emit.Metric($"agent_{agentStep}_{step}", s.Median(step), "ms", sizeMib, runs);
        }
        Emit.Metric($"agent_{agentStep}_criu_cpu_seconds", s.Median("agent_criu_cpu"), "s", sizeMib, runs);
        Emit.Metric($"agent_{agentStep}_own_cpu_seconds", s.Median("agent_self_cpu"), "s", sizeMib, runs);
        Emit.Metric($"criu_{criuStep}_cpu_seconds", s.Median("raw_criu_cpu"), "s", sizeMib, runs);
    }
}
