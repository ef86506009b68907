using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Operations;
using Cryo.Api;
using Cryo.Operator.Restores;
using Cryo.Testing.Node;
using k8s.Models;

namespace Cryo.Bench.Agent;

/// <summary>
/// In-pod against standalone restores of one checkpoint, through the same engine, runs alternated. The workload
/// runs in a real CRI pod on the node harness (its own containerd 1.6 and runc, pods shaped as a kubelet shapes
/// them: /kubepods cgroups, the kubelet's /etc/hosts, a CNI network, / rshared) and is checkpointed by container ID.
/// A standalone restore puts the tree in a new PID namespace with fresh cgroups; an in-pod restore puts it into the
/// app container of a pod built by the operator's <see cref="PlaceholderPodBuilder"/>, whose init is cryo-placeholder
/// (started before the timed call, as the operator starts it before asking the agent). Every copy must answer
/// SIGUSR1 with the original's checksum (the in-pod one in its container's CRI log).
/// </summary>
public static class InPodBench
{
    /// <summary>The image both pods run: busybox, memhog at /app/memhog, cryo-placeholder where the agent image has it.</summary>
    private const string Image = "localhost/cryo/bench-inpod:1";

    /// <summary>A workload: what runs in the pod, and what it is called in the figures.</summary>
    /// <param name="Kind">"jvm-like" or "memhog".</param>
    /// <param name="Script">The container's shell command.</param>
    public sealed record Workload(string Kind, int SizeMib, string Script);

    /// <summary>
    /// A JVM-sized and -shaped tree (~60 MB): 60 MiB of heap in 24 threads, and files it wrote at run time in its
    /// writable layer, as a JVM's hsperfdata, extracted classes and temp files, which an in-pod restore must apply.
    /// </summary>
    public static readonly Workload JvmLike = new("jvm-like", 60,
        "mkdir -p /tmp/hsperfdata_root /tmp/classes && head -c 32768 /dev/urandom > /tmp/hsperfdata_root/1 && " +
        "i=0; while [ $i -lt 200 ]; do head -c 4096 /dev/urandom > /tmp/classes/C$i.class; i=$((i+1)); done; " +
        "head -c 2097152 /dev/urandom > /tmp/app.jsa && exec /app/memhog 60 random 24\n");

    /// <summary>memhog alone, <paramref name="sizeMib"/> MiB, nothing in its writable layer.</summary>
    public static Workload MemhogOf(int sizeMib) => new("memhog", sizeMib, $"exec /app/memhog {sizeMib}\n");

    public static async Task RunAsync(IReadOnlyList<Workload> workloads, int runs, string memhog, string placeholder, string criuPath,
        Action onFailure, CancellationToken cancellationToken)
    {
        var node = new NodeFixture();
        Emit.Note("inpod: starting the node harness (containerd, CNI bridge, /kubepods cgroups)");
        await node.InitializeAsync();
        try
        {
            await ImportImageAsync(node, memhog, placeholder, cancellationToken);
            Emit.Note(string.Create(CultureInfo.InvariantCulture, $"inpod: node up in {node.StartupTime.TotalSeconds:0.0} s"));
            foreach (var workload in workloads)
            {
                try
                {
                    await RunWorkloadAsync(node, workload, runs, criuPath, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Emit.Note($"inpod {workload.Kind} {workload.SizeMib} MiB failed: {e}");
                    onFailure();
                }
            }
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    private static async Task RunWorkloadAsync(NodeFixture node, Workload workload, int runs, string criuPath, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("cryo-bench-inpod-").FullName;
        var engines = new BenchEngines(directory, criuPath);
        var label = $"inpod {workload.Kind} {workload.SizeMib} MiB";
        try
        {
            Emit.Note($"{label}: starting the workload pod ({runs} standalone and {runs} in-pod restores, alternated; work in {directory})");
            await using var source = await node.RunPodAsync(TestPods.Shell("bench", workload.Script, Image), cancellationToken);
            var ready = await source["app"].WaitForLogAsync(l => l.Contains("ready ", StringComparison.Ordinal), Memhog.Patience, cancellationToken);
            var checksum = Memhog.ParseChecksum(ready, "ready");
            var name = $"inpod-{workload.Kind}-{workload.SizeMib}";
            var checkpoint = new CheckpointCommand(Commands.NewOperationId(), "default", name, ProcessTreeRef.ForContainer(source["app"].Id), WorkloadMetadata.None,
                LeaveRunning: true, TcpEstablished: false, FileLocks: false, ParentCheckpoint: null, Timeout: BenchSteps.Deadline);
            var dumped = await engines.Checkpoints.CheckpointAsync(checkpoint, new StageClock<CheckpointStage>(), cancellationToken);
            Emit.Note(string.Create(CultureInfo.InvariantCulture, $"{label}: checkpoint of container {source["app"].Id[..12]} is {dumped.SizeBytes / 1e6:0.0} MB"));

            var s = new Samples();
            for (var run = 0; run < runs; run++)
            {
                // Alternate which goes first, so a drift in the machine's load weighs on both alike.
                if (run % 2 == 0)
                {
                    await StandaloneAsync(engines, name, checksum, s, cancellationToken);
                    await InPodAsync(node, engines, source, name, checksum, s, cancellationToken);
                }
                else
                {
                    await InPodAsync(node, engines, source, name, checksum, s, cancellationToken);
                    await StandaloneAsync(engines, name, checksum, s, cancellationToken);
                }
                Emit.Note(string.Create(CultureInfo.InvariantCulture,
                    $"{label} run {run + 1}/{runs}: standalone {s.Last("standalone") * 1000:0} ms, in-pod {s.Last("inpod") * 1000:0} ms " +
                    $"(in-pod steps: target {s.Last("inpod_target_ms"):0}, filesystem {s.Last("inpod_filesystem_ms"):0} (CRIU held {s.Last("inpod_files_wait_ms"):0} for it), prepare {s.Last("inpod_prepare_ms"):0}, " +
                    $"criu {s.Last("inpod_criu_ms"):0} (held {s.Last("inpod_verify_wait_ms"):0} at post-restore), handoff {s.Last("inpod_handoff_ms"):0} ms; " +
                    $"standalone: target {s.Last("standalone_target_ms"):0}, filesystem {s.Last("standalone_filesystem_ms"):0}, prepare {s.Last("standalone_prepare_ms"):0}, criu {s.Last("standalone_criu_ms"):0}, handoff {s.Last("standalone_handoff_ms"):0} ms)"));
            }
            Report(workload, runs, s);
        }
        finally
        {
            await BenchSteps.SweepRestoreCgroupsAsync(engines.Options);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task StandaloneAsync(BenchEngines engines, string name, string checksum, Samples s, CancellationToken cancellationToken)
    {
        BenchSteps.Sync();
        var command = Commands.RestoreOf(name, BenchSteps.Deadline);
        var started = Stopwatch.GetTimestamp();
        var outcome = await engines.Restores.RestoreAsync(command, cancellationToken);
        var ended = Stopwatch.GetTimestamp();
        Add(s, "standalone", started, ended, outcome);
        BenchSteps.KeepLog(Path.Combine(outcome.WorkDirectory!, "restore.log"), $"{name}-standalone-{s.Count("standalone")}.log");
        await Memhog.VerifyCopyAsync(outcome.HostPid, BenchSteps.RestoreOutput(engines.Options, command.OperationId), checksum, "standalone", cancellationToken);
        await BenchSteps.SweepRestoreCgroupsAsync(engines.Options);
    }

    private static async Task InPodAsync(NodeFixture node, BenchEngines engines, NodePod source, string name, string checksum, Samples s, CancellationToken cancellationToken)
    {
        var restore = new Restore
        {
            Metadata = new V1ObjectMeta { Name = TestPods.UniqueName("bench"), NamespaceProperty = TestPods.Namespace, Uid = Guid.NewGuid().ToString() },
            Spec = new RestoreSpec { CheckpointName = name, NewPod = new NewPodTarget() },
        };
        // The operator's own pod for a Restore; the placeholder comes from the init container way, which needs no CSI
        // driver on the bench's node (how it arrives does not change what the agent does once it runs).
        var pod = PlaceholderPodBuilder.Build(restore, source.Pod.Spec, "app", name, PlaceholderSource.InitContainer(Image));
        await using var copy = await node.RunPodAsync(pod, cancellationToken);
        var target = copy["app"];
        await target.WaitForLogAsync(l => l.Contains("waiting for a restore", StringComparison.Ordinal), Memhog.Patience, cancellationToken);

        BenchSteps.Sync();
        var command = new RestoreCommand(Commands.NewOperationId(), "default", name, ProcessTreeRef.ForContainer(target.Id), BenchSteps.Deadline);
        var started = Stopwatch.GetTimestamp();
        var outcome = await engines.Restores.RestoreAsync(command, cancellationToken);
        var ended = Stopwatch.GetTimestamp();
        Add(s, "inpod", started, ended, outcome);
        BenchSteps.KeepLog(Path.Combine(outcome.WorkDirectory!, "restore.log"), $"{name}-inpod-{s.Count("inpod")}.log");

        await Memhog.SignalAsync(outcome.HostPid, cancellationToken);
        var log = await target.WaitForLogAsync(l => l.Contains("check ", StringComparison.Ordinal), Memhog.Patience, cancellationToken);
        var got = Memhog.ParseChecksum(log, "check");
        BenchSteps.Require(got == checksum, $"the in-pod copy (PID {outcome.HostPid}) answered checksum {got}, the original {checksum}");
        await target.StopAsync(TimeSpan.FromSeconds(5), cancellationToken);
    }

    private static void Add(Samples s, string kind, long started, long ended, RestoreOutcome outcome)
    {
        s.Add(kind, BenchSteps.Seconds(started, ended));
        var steps = outcome.Steps ?? throw new InvalidOperationException("the restore engine reported no step timings");
        s.Add($"{kind}_target_ms", steps.Target.TotalMilliseconds);
        s.Add($"{kind}_filesystem_ms", steps.Filesystem.TotalMilliseconds);
        s.Add($"{kind}_prepare_ms", steps.Prepare.TotalMilliseconds);
        s.Add($"{kind}_criu_ms", steps.Criu.TotalMilliseconds);
        s.Add($"{kind}_handoff_ms", steps.Handoff.TotalMilliseconds);
        s.Add($"{kind}_files_wait_ms", steps.FilesWait.TotalMilliseconds);
        s.Add($"{kind}_verify_wait_ms", steps.VerifyWait.TotalMilliseconds);
        s.Add($"{kind}_verify_ms", outcome.Verify.TotalMilliseconds);
    }

    private static void Report(Workload workload, int runs, Samples s)
    {
        var parts = new Dictionary<string, double>
        {
            ["standalone_s"] = s.Median("standalone"),
            ["inpod_s"] = s.Median("inpod"),
        };
        foreach (var kind in new[] { "standalone", "inpod" })
        {
            foreach (var step in new[] { "target", "filesystem", "files_wait", "prepare", "criu", "verify_wait", "handoff", "verify" })
            {
                parts[$"{kind}_{step}_ms"] = s.Median($"{kind}_{step}_ms");
            }
        }
        Emit.Metric("in_pod_vs_standalone_restore_ratio", s.Median("inpod") / s.Median("standalone"), "ratio", workload.SizeMib, runs, parts, workload.Kind);
    }

    /// <summary>busybox, memhog and the placeholder (where the agent image has it, for the init container to copy) in one image.</summary>
    private static async Task ImportImageAsync(NodeFixture node, string memhog, string placeholder, CancellationToken cancellationToken)
    {
        var root = Path.Join(node.Directory, "bench-image");
        await NodeImages.BuildBusyboxRootAsync(root, cancellationToken);
        Directory.CreateDirectory(Path.Join(root, "app"));
        File.Copy(memhog, Path.Join(root, "app", "memhog"));
        var program = Path.Join(root, CryoNames.PlaceholderProgramPath.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(program)!);
        File.Copy(placeholder, program);
        await node.Images.ImportDirectoryAsync(root, Image, null, cancellationToken);
    }
}
