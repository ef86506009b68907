using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Criu;
using Cryo.Testing.Agent;
using Microsoft.Extensions.DependencyInjection;
using Cryo.Contracts.Agent.V1;
using Grpc.Core;
using CheckpointStage = Cryo.Agent.Operations.CheckpointStage;

namespace Cryo.Bench.Agent;

/// <summary>
/// What the agent's gRPC service adds to an operation: checkpoints and restores of one memhog workload
/// through the in-process agent (<see cref="InProcessAgent"/>: Unix socket, HTTP/2, registry, gate, progress
/// stream) side by side with the same engines called directly with the same command. The two kinds
/// alternate which goes first in each run, so drift on a busy machine (page cache, other builds) falls on
/// both. Every restored copy must answer with the original's checksum.
/// </summary>
public static class GrpcBench
{
    /// <summary>The size the issue sets the target at.</summary>
    public const int DefaultSizeMib = 512;

    private const string Namespace = "default";

    public static async Task RunAsync(int sizeMib, int runs, string memhog, string criuPath, CancellationToken cancellationToken)
    {
        await using var bench = new BenchWorkspace("cryo-bench-grpc-", criuPath);
        var engines = bench.Engines;
        Emit.Note($"grpc {sizeMib} MiB: starting memhog and the in-process agent ({runs} runs of each kind, work in {bench.Directory})");
        var (workload, checksum) = await bench.StartMemhogAsync(sizeMib, memhog, cancellationToken);
        await using var agent = await StartAgentAsync(engines, criuPath, cancellationToken);
        var client = agent.UnixClient();
        // Connects (HTTP/2 over the socket) and runs the call path once, so no timed call pays for either.
        await client.GetNodeInfoAsync(new GetNodeInfoRequest(), deadline: DateTime.UtcNow.AddMinutes(1), cancellationToken: cancellationToken);

        var (dumps, kept) = await CheckpointsAsync(engines, client, workload.InitPid, sizeMib, runs, cancellationToken);
        await Memhog.VerifyOriginalAsync(workload, checksum, cancellationToken);
        var restores = await RestoresAsync(engines, client, kept, checksum, runs, cancellationToken);

        Report("checkpoint", sizeMib, runs, dumps);
        Report("restore", sizeMib, runs, restores);
    }

    /// <summary>
    /// The agent as <c>Program.cs</c> builds it, over the bench's own engines and store: what the CLI and the
    /// operator go through. Unix socket only, as the agent on a node listens without TLS or probes.
    /// </summary>
    private static Task<InProcessAgent> StartAgentAsync(BenchEngines engines, string criuPath, CancellationToken cancellationToken) =>
        InProcessAgent.StartAsync(
            settings =>
            {
                settings.Remove("Agent:ListenAddress");
                settings.Remove("Agent:HttpPort");
                engines.AddAgentSettings(settings, criuPath, engines.Options.NodeName);
            },
            engines.Register,
            cancellationToken);

    /// <summary>Checkpoints both ways; returns the timings and the name of the one checkpoint kept for the restores.</summary>
    private static async Task<(Samples Samples, string Kept)> CheckpointsAsync(BenchEngines engines, AgentService.AgentServiceClient client,
        int pid, int sizeMib, int runs, CancellationToken cancellationToken)
    {
        var s = new Samples();
        string? kept = null;
        for (var run = 0; run < runs; run++)
        {
            // Each checkpoint has a name of its own: the service refuses a name taken under another operation ID.
            var engineName = $"memhog-{sizeMib}-engine-{run}";
            var grpcName = $"memhog-{sizeMib}-grpc-{run}";
            double engine = 0, grpc = 0;
            foreach (var kind in Order(run))
            {
                BenchSteps.Sync();
                var cpu = CpuTimes.Now();
                var started = Stopwatch.GetTimestamp();
                if (kind == "engine")
                {
                    var command = Commands.CheckpointOf(pid, engineName, BenchSteps.Deadline);
                    await engines.Timed.CheckpointAsync(command, IgnoredProgress.Instance, cancellationToken);
                    engine = BenchSteps.Seconds(started, Stopwatch.GetTimestamp());
                }
                else
                {
                    var request = new CheckpointRequest
                    {
                        OperationId = Commands.NewOperationId(),
                        Namespace = Namespace,
                        Name = grpcName,
                        Pid = pid,
                        TimeoutSeconds = (uint)BenchSteps.Deadline.TotalSeconds,
                    };
                    var result = await CheckpointThroughApiAsync(client, request, cancellationToken);
                    grpc = BenchSteps.Seconds(started, Stopwatch.GetTimestamp());
                    BenchSteps.Require(result.SizeBytes > 0, $"the checkpoint through the API reported {result.SizeBytes} bytes");
                }
                AddSplits(s, kind, engines, started, Stopwatch.GetTimestamp(), cpu);
            }
            s.Add("engine", engine);
            s.Add("grpc", grpc);
            s.Add("ratio", grpc / engine);
            Emit.Note(string.Create(CultureInfo.InvariantCulture,
                $"grpc {sizeMib} MiB checkpoint {run + 1}/{runs} ({string.Join(" then ", Order(run))}): engine {engine:0.000} s, gRPC {grpc:0.000} s, ratio {grpc / engine:0.000}; {Splits(s)}"));

            // Keep the disk small: only the last engine checkpoint stays, for the restores.
            Delete(engines.Store, grpcName);
            if (kept is not null)
            {
                Delete(engines.Store, kept);
            }
            kept = engineName;
        }
        return (s, kept!);
    }

    private static async Task<Samples> RestoresAsync(BenchEngines engines, AgentService.AgentServiceClient client, string name, string checksum,
        int runs, CancellationToken cancellationToken)
    {
        var s = new Samples();
        for (var run = 0; run < runs; run++)
        {
            double engine = 0, grpc = 0;
            foreach (var kind in Order(run))
            {
                BenchSteps.Sync();
                var operationId = Commands.NewOperationId();
                var pid = 0;
                try
                {
                    var cpu = CpuTimes.Now();
                    var started = Stopwatch.GetTimestamp();
                    if (kind == "engine")
                    {
                        var command = new RestoreCommand(operationId, Namespace, name, null, BenchSteps.Deadline);
                        var outcome = await engines.Timed.RestoreAsync(command, cancellationToken);
                        engine = BenchSteps.Seconds(started, Stopwatch.GetTimestamp());
                        pid = outcome.HostPid;
                        s.Add("engine_verify_ms", outcome.Verify.TotalMilliseconds);
                    }
                    else
                    {
                        var request = new RestoreRequest
                        {
                            OperationId = operationId,
                            Checkpoint = new CheckpointRef { Namespace = Namespace, Name = name },
                            NewPidNamespace = new NewPidNamespaceTarget(),
                            TimeoutSeconds = (uint)BenchSteps.Deadline.TotalSeconds,
                        };
                        var response = await client.RestoreAsync(request, deadline: DateTime.UtcNow + BenchSteps.Deadline, cancellationToken: cancellationToken);
                        grpc = BenchSteps.Seconds(started, Stopwatch.GetTimestamp());
                        pid = response.HostPid;
                        s.Add("grpc_verify_ms", response.Timings.VerifyMs);
                    }
                    AddSplits(s, kind, engines, started, Stopwatch.GetTimestamp(), cpu);
                    await Memhog.VerifyCopyAsync(pid, BenchSteps.RestoreOutput(engines.Options, operationId), checksum, kind, cancellationToken);
                }
                finally
                {
                    if (pid > 0)
                    {
                        await ProcessReaper.KillTreeAsync(pid, CancellationToken.None);
                    }
                    await BenchSteps.SweepRestoreCgroupsAsync(engines.Options);
                }
            }
            s.Add("engine", engine);
            s.Add("grpc", grpc);
            s.Add("ratio", grpc / engine);
            Emit.Note(string.Create(CultureInfo.InvariantCulture,
                $"grpc {name} restore {run + 1}/{runs} ({string.Join(" then ", Order(run))}): engine {engine:0.000} s, gRPC {grpc:0.000} s, ratio {grpc / engine:0.000}; {Splits(s)}; verify ms: engine {s.Last("engine_verify_ms"):0}, gRPC {s.Last("grpc_verify_ms"):0}"));
        }
        return s;
    }

    /// <summary>Runs a checkpoint through the API to its final result, as the operator and the CLI do.</summary>
    private static async Task<CheckpointResult> CheckpointThroughApiAsync(AgentService.AgentServiceClient client, CheckpointRequest request,
        CancellationToken cancellationToken)
    {
        using var call = client.Checkpoint(request, deadline: DateTime.UtcNow + BenchSteps.Deadline, cancellationToken: cancellationToken);
        CheckpointResult? result = null;
        await foreach (var item in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (item.EventCase == CheckpointEvent.EventOneofCase.Result)
            {
                result = item.Result;
            }
        }
        return result ?? throw new InvalidOperationException($"the checkpoint stream of {request.Name} ended without a result");
    }

    /// <summary>
    /// Splits one call's time at the engine's entry and exit (what lies outside is what the service added:
    /// transport, validation, registry, gate, progress stream, result) and at CRIU's start and end.
    /// The CPU the bench process (agent, client, engines' hashing) and its children (CRIU) burned tells
    /// extra work in the service from mere waiting.
    /// </summary>
    private static void AddSplits(Samples s, string kind, BenchEngines engines, long started, long ended, (double Self, double Children) cpu)
    {
        var criu = engines.Criu;
        s.Add($"{kind}_outside_engine_ms", BenchSteps.Ms(started, engines.Timed.LastEntered) + BenchSteps.Ms(engines.Timed.LastExited, ended));
        var cpuAfter = CpuTimes.Now();
        s.Add($"{kind}_self_cpu_ms", (cpuAfter.Self - cpu.Self) * 1000);
        s.Add($"{kind}_criu_cpu_ms", (cpuAfter.Children - cpu.Children) * 1000);
        s.Add($"{kind}_before_criu_ms", BenchSteps.Ms(started, criu.LastStarted));
        s.Add($"{kind}_criu_ms", BenchSteps.Ms(criu.LastStarted, criu.LastEnded));
        s.Add($"{kind}_after_criu_ms", BenchSteps.Ms(criu.LastEnded, ended));
    }

    private static string Splits(Samples s) => string.Create(CultureInfo.InvariantCulture,
        $"outside the engine ms: engine {s.Last("engine_outside_engine_ms"):0.0}, gRPC {s.Last("grpc_outside_engine_ms"):0.0}; before/CRIU/after ms: engine {s.Last("engine_before_criu_ms"):0}/{s.Last("engine_criu_ms"):0}/{s.Last("engine_after_criu_ms"):0}, gRPC {s.Last("grpc_before_criu_ms"):0}/{s.Last("grpc_criu_ms"):0}/{s.Last("grpc_after_criu_ms"):0}; own/CRIU CPU ms: engine {s.Last("engine_self_cpu_ms"):0}/{s.Last("engine_criu_cpu_ms"):0}, gRPC {s.Last("grpc_self_cpu_ms"):0}/{s.Last("grpc_criu_cpu_ms"):0}");

    private static string[] Order(int run) => run % 2 == 0 ? ["engine", "grpc"] : ["grpc", "engine"];

    private static void Delete(ImageStore store, string name)
    {
        foreach (var stored in store.FindByName(Namespace, name))
        {
            store.Delete(stored.Key);
        }
    }

    private static void Report(string operation, int sizeMib, int runs, Samples samples)
    {
        var engine = samples.Median("engine");
        var grpc = samples.Median("grpc");
        var parts = new Dictionary<string, double>
        {
            ["grpc_seconds"] = grpc,
            ["engine_seconds"] = engine,
            // The median of each run's own ratio: the two kinds of one run ran back to back, under the same load.
            ["paired_ratio_median"] = samples.Median("ratio"),
            // What the service itself adds (median of each call's time outside the engine), and its share of the engine's time.
            ["grpc_outside_engine_ms"] = samples.Median("grpc_outside_engine_ms"),
            ["engine_outside_engine_ms"] = samples.Median("engine_outside_engine_ms"),
            ["service_share"] = samples.Median("grpc_outside_engine_ms") / 1000 / engine,
            ["engine_before_criu_ms"] = samples.Median("engine_before_criu_ms"),
            ["engine_criu_ms"] = samples.Median("engine_criu_ms"),
            ["engine_after_criu_ms"] = samples.Median("engine_after_criu_ms"),
            ["grpc_before_criu_ms"] = samples.Median("grpc_before_criu_ms"),
            ["grpc_criu_ms"] = samples.Median("grpc_criu_ms"),
            ["grpc_after_criu_ms"] = samples.Median("grpc_after_criu_ms"),
            ["engine_own_cpu_ms"] = samples.Median("engine_self_cpu_ms"),
            ["grpc_own_cpu_ms"] = samples.Median("grpc_self_cpu_ms"),
            ["engine_criu_cpu_ms"] = samples.Median("engine_criu_cpu_ms"),
            ["grpc_criu_cpu_ms"] = samples.Median("grpc_criu_cpu_ms"),
        };
        if (operation == "restore")
        {
            // Checksums are verified beside CRIU, which waits for them before resuming the copy.
            parts["engine_verify_ms"] = samples.Median("engine_verify_ms");
            parts["grpc_verify_ms"] = samples.Median("grpc_verify_ms");
        }
        Emit.Metric($"grpc_vs_engine_{operation}_ratio", grpc / engine, "ratio", sizeMib, runs, parts);
    }

    private sealed class IgnoredProgress : IProgress<CheckpointStage>
    {
        public static readonly IgnoredProgress Instance = new();

        public void Report(CheckpointStage value)
        {
        }
    }
}
