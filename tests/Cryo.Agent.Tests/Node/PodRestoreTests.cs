using System.Globalization;
using Cryo.Agent.Restoring;
using Cryo.Agent.Tests.Csi;
using Cryo.Agent.Tests.Placeholder;
using Cryo.Api;
using Cryo.Operator.Restores;
using k8s.Models;

namespace Cryo.Agent.Tests.Node;

/// <summary>
/// The loop the first real node broke: a pod run as a kubelet runs it (containerd, runc, the host's / shared) is
/// checkpointed by container ID, and restored by container ID into the pod the operator builds for a Restore —
/// <see cref="PlaceholderPodBuilder"/>'s own output, with the placeholder from the agent's CSI driver (published by a
/// real agent, registered with and mounted by the harness as a kubelet does) or from the fallback init container
/// copying it out of an agent-like image — through the real engines and CRIU.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class PodRestoreTests(NodeFixture node, PlaceholderBuild build) : IClassFixture<PlaceholderBuild>, IDisposable
{
    private const string AgentImage = PlaceholderPods.AgentImage;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Counts on stdout, keeps a token written at run time in its container filesystem, ends with 7 when
    // /tmp/exit appears and with 3 on SIGTERM (saying so), as an application with a shutdown hook would.
    private const string App =
        "echo app started; cat /proc/sys/kernel/random/uuid > /tmp/made-at-runtime\n" +
        "trap 'echo got TERM; exit 3' TERM\n" +
        "i=0; while [ ! -e /tmp/exit ]; do i=$((i+1)); echo tick $i; sleep 0.1; done; exit 7\n";

    private readonly TestEngines engines = new();
    private readonly PlaceholderPods pods = new(node, build);

    public void Dispose() => engines.Dispose();

    [Fact]
    public async Task Restore_Should_GoOnInTheOperatorsPods_AndEndThemAsTheAppEnds_When_TheHostsRootIsShared()
    {
        var token = CancellationToken.None;
        await using var workload = await node.RunPodAsync(TestPods.Shell("work", App), token);
        var source = workload["app"];
        await source.WaitForLogAsync(l => Ticks(l).Count >= 5, Patience, token);
        var made = (await source.ExecSyncAsync(["cat", "/tmp/made-at-runtime"], Patience, token)).Stdout.Trim();
        var checkpoint = await CheckpointAsync(source, "shared-root");
        var lastBeforeCheckpoint = Ticks(source.Stdout)[^1];

        // Two copies side by side, each in a pod built exactly as the operator builds it (the init container way).
        var placeholder = PlaceholderSource.InitContainer(AgentImage);
        await using var first = await RunPlaceholderPodAsync(workload, checkpoint, "copy-1", placeholder);
        await using var second = await RunPlaceholderPodAsync(workload, checkpoint, "copy-2", placeholder);
        foreach (var copy in new[] { first, second })
        {
            await engines.Restores.RestoreAsync(RestoreInto(copy["app"], checkpoint), token);
        }

        foreach (var copy in new[] { first, second })
        {
            var log = await copy["app"].WaitForLogAsync(l => Ticks(l).Count >= 3, Patience, token);
            Assert.DoesNotContain("app started", copy["app"].Stdout, StringComparison.Ordinal);
            Assert.True(Ticks(log)[0] > 0 && Ticks(log)[0] <= lastBeforeCheckpoint + 1, $"the copy's log does not go on from tick {lastBeforeCheckpoint}: {log}");
            Assert.Equal(made, (await copy["app"].ExecSyncAsync(["cat", "/tmp/made-at-runtime"], Patience, token)).Stdout.Trim());
        }

        // The app's own end becomes the container's, and a stop reaches the app: the placeholder adopted it.
        await first["app"].ExecSyncAsync(["touch", "/tmp/exit"], Patience, token);
        var ended = await first["app"].WaitForExitAsync(Patience, token);
        var stopped = await second["app"].StopAsync(TimeSpan.FromSeconds(20), token);

        Assert.Equal(7, ended.ExitCode);
        Assert.Equal(3, stopped.ExitCode);
        Assert.Contains("got TERM", second["app"].Stdout, StringComparison.Ordinal);
        // The original ran on throughout.
        await source.WaitForLogAsync(l => Ticks(l)[^1] > lastBeforeCheckpoint + 5, Patience, token);
    }

    [Fact]
    public async Task Restore_Should_RebuildTheMountsWithCompatMode_When_ASourceTheImagesShareIsPrivateOnTheNode()
    {
        var token = CancellationToken.None;
        await using var workload = await node.RunPodAsync(TestPods.Shell("work", App), token);
        var source = workload["app"];
        await source.WaitForLogAsync(l => Ticks(l).Count >= 3, Patience, token);
        var checkpoint = await CheckpointAsync(source, "private-source");
        Assert.StartsWith("master:", Assert.Single(Assert.Single(engines.Store.List()).Manifest.Source.Mounts, m => m.MountPoint == "/").Propagation);
        await using var copy = await RunPlaceholderPodAsync(workload, checkpoint, "copy", PlaceholderSource.InitContainer(AgentImage));
        // As a node whose / is private shows it to the agent: the target's root is a private mount here.
        await HostCommand.RunAsync("mount", "--make-private", copy["app"].RootfsPath);

        var outcome = await engines.Restores.RestoreAsync(RestoreInto(copy["app"], checkpoint), token);

        await copy["app"].WaitForLogAsync(l => Ticks(l).Count >= 3, Patience, token);
        var root = File.ReadLines($"/proc/{outcome.HostPid}/mountinfo").Select(Cryo.Agent.Containers.MountInfo.Parse).Single(m => m.MountPoint == "/");
        Assert.False(Cryo.Agent.Containers.MountSharing.Propagates(root), "CRIU's default mount engine restored the root as a peer or slave, so compat mode was not used");
    }

    [Fact]
    public async Task Restore_Should_GoOnInAPodWithoutInitContainers_When_ThePlaceholderComesFromTheAgentsCsiDriver()
    {
        var token = CancellationToken.None;
        await using var agent = await CsiAgent.StartAsync(build.PlaceholderPath);
        await node.Csi.RegisterAsync(agent.RegistrationSocket, token);
        await using var workload = await node.RunPodAsync(TestPods.Shell("work", App), token);
        var source = workload["app"];
        await source.WaitForLogAsync(l => Ticks(l).Count >= 3, Patience, token);
        var checkpoint = await CheckpointAsync(source, "csi-placeholder");
        var lastBeforeCheckpoint = Ticks(source.Stdout)[^1];

        await using var copy = await RunPlaceholderPodAsync(workload, checkpoint, "copy", PlaceholderSource.Csi());
        var target = copy["app"];
        // The placeholder's directory is the driver's read-only volume; the handoff directory under it is writable.
        var write = await target.ExecSyncAsync(["sh", "-c", "touch /.cryo/dropped 2>&1; echo $?"], Patience, token);
        var handoff = await target.ExecSyncAsync(["sh", "-c", "grep ' /.cryo' /proc/self/mountinfo"], Patience, token);
        await engines.Restores.RestoreAsync(RestoreInto(target, checkpoint), token);
        var log = await target.WaitForLogAsync(l => Ticks(l).Count >= 3, Patience, token);
        await target.ExecSyncAsync(["touch", "/tmp/exit"], Patience, token);
        var ended = await target.WaitForExitAsync(Patience, token);

        Assert.Null(copy.Pod.Spec.InitContainers);
        Assert.NotEqual("0", write.Stdout.Trim().Split('\n')[^1]);
        Assert.Contains(" /.cryo ro,", handoff.Stdout, StringComparison.Ordinal);
        Assert.Contains(" /.cryo/handoff rw,", handoff.Stdout, StringComparison.Ordinal);
        Assert.True(Ticks(log)[0] > 0 && Ticks(log)[0] <= lastBeforeCheckpoint + 1, $"the copy's log does not go on from tick {lastBeforeCheckpoint}: {log}");
        Assert.Equal(7, ended.ExitCode);
    }

    // Pod Security "restricted": the placeholder runs from the read-only volume as the workload's unprivileged user and
    // reads the agent's handoff from the emptyDir over it. (No CRIU here: this machine's root lacks CAP_SYS_RESOURCE,
    // so `criu dump` of another user's tree fails with "Can't get rlimit"; a node's privileged agent has it.)
    [Fact]
    public async Task Placeholder_Should_RunAsTheWorkloadsUserAndReadTheHandoff_When_ThePodIsRestricted()
    {
        var token = CancellationToken.None;
        await using var agent = await CsiAgent.StartAsync(build.PlaceholderPath);
        await node.Csi.RegisterAsync(agent.RegistrationSocket, token);
        var workload = TestPods.Shell("work", App);
        workload.Spec.SecurityContext = new V1PodSecurityContext
        {
            RunAsNonRoot = true, RunAsUser = 1000, RunAsGroup = 1000, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        };
        workload.Spec.Containers[0].SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } };

        await using var copy = await RunPlaceholderPodAsync(workload.Spec, "copy", PlaceholderSource.Csi());
        var placeholder = copy["app"];
        var status = await File.ReadAllLinesAsync($"/proc/{placeholder.InitPid}/status", token);
        await PlaceholderHandoff.WriteAsync(new PlaceholderInit(placeholder.InitPid, PlaceholderHandoff.DefaultContainerPath).HandoffFileHostPath, 4242, token);
        await placeholder.WaitForLogAsync(l => l.Contains("PID 4242 from /.cryo/handoff/restored.pid is not a child", StringComparison.Ordinal), Patience, token);
        var stopped = await placeholder.StopAsync(TimeSpan.FromSeconds(20), token);

        Assert.Null(copy.Pod.Spec.InitContainers);
        Assert.StartsWith("Uid:\t1000\t1000", status.Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal("CapEff:\t0000000000000000", status.Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal)));
        Assert.Equal("NoNewPrivs:\t1", status.Single(l => l.StartsWith("NoNewPrivs:", StringComparison.Ordinal)));
        Assert.Equal(128 + 15, stopped.ExitCode);
    }

    private async Task<string> CheckpointAsync(NodeContainer source, string name)
    {
        var command = new CheckpointCommand(TestEngines.NewOperationId(), "default", name, ProcessTreeRef.ForContainer(source.Id), WorkloadMetadata.None,
            LeaveRunning: true, TcpEstablished: false, FileLocks: false, ParentCheckpoint: null, Timeout: Patience, SkipRootFilesystem: false);
        await engines.Checkpoints.CheckpointAsync(command, new RecordingProgress<CheckpointStage>(), CancellationToken.None);
        return name;
    }

    private static RestoreCommand RestoreInto(NodeContainer target, string checkpoint) =>
        new(TestEngines.NewOperationId(), "default", checkpoint, ProcessTreeRef.ForContainer(target.Id), Patience);

    /// <summary>The pod the operator creates for a Restore of <paramref name="workload"/>'s checkpoint, run on the node.</summary>
    private Task<NodePod> RunPlaceholderPodAsync(NodePod workload, string checkpoint, string name, PlaceholderSource placeholder) =>
        pods.RunAsync(workload.Pod.Spec, name, placeholder, checkpoint);

    private Task<NodePod> RunPlaceholderPodAsync(V1PodSpec workload, string name, PlaceholderSource placeholder) =>
        pods.RunAsync(workload, name, placeholder);

    private static List<int> Ticks(string log) =>
        log.Split('\n').Where(l => l.StartsWith("tick ", StringComparison.Ordinal))
            .Select(l => int.Parse(l["tick ".Length..].Trim(), CultureInfo.InvariantCulture)).ToList();
}
