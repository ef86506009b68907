using System.Diagnostics;
using System.Globalization;
using Cryo.Testing.Node.Cri;
using Xunit.Abstractions;
using k8s.Models;

namespace Cryo.Agent.Tests.Node;

/// <summary>
/// The node harness runs pods as a kubelet + containerd node does: checked on what the kernel shows about the
/// containers' processes (cgroups, mounts and their propagation, namespaces) and on what teardown leaves.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class NodePodTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly NodeFixture _node;
    private readonly ITestOutputHelper _output;

    public NodePodTests(NodeFixture node, ITestOutputHelper output)
    {
        _node = node;
        _output = output;
    }

    [Fact]
    public async Task RunPod_Should_StartSandboxAndContainerWithinSeconds_When_ImageIsOnTheNode()
    {
        var clock = Stopwatch.StartNew();
        await using var pod = await _node.RunPodAsync(TestPods.Shell("timing", "echo up; exec sleep 100000"), CancellationToken.None);
        var started = clock.Elapsed;
        await pod["app"].WaitForLogAsync(l => l.Contains("up\n", StringComparison.Ordinal), Timeout, CancellationToken.None);
        clock.Restart();
        await pod.DisposeAsync();
        var removed = clock.Elapsed;

        _output.WriteLine($"node up in {_node.StartupTime.TotalSeconds:0.00} s; pod started in {started.TotalSeconds:0.00} s, removed in {removed.TotalSeconds:0.00} s");
        Assert.True(started < TimeSpan.FromSeconds(10), $"sandbox + container took {started.TotalSeconds:0.0} s to start");
    }

    [Fact]
    public async Task RunPod_Should_PutContainerInitInItsCgroupUnderTheBestEffortPodInEveryHierarchy_When_PodHasNoResources()
    {
        await using var pod = await _node.RunPodAsync(TestPods.Shell("cgroups", "exec sleep 100000"), CancellationToken.None);
        var app = pod["app"];

        var expected = $"/kubepods/besteffort/pod{pod.Uid}/{app.Id}";
        var lines = File.ReadAllLines($"/proc/{app.InitPid}/cgroup").Select(l => l.Split(':', 3)).ToList();
        Assert.Equal(KubeletQos.BestEffort, pod.QosClass);
        Assert.Equal(expected, app.CgroupPath);
        Assert.All(lines, l => Assert.Equal(expected, l[2]));
        foreach (var hierarchy in NodeCgroups.Hierarchies())
        {
            Assert.Contains(Num(app.InitPid), File.ReadAllLines(Path.Combine(app.CgroupDirectory(hierarchy), "cgroup.procs")));
        }

        Assert.Equal(NodeCgroups.Hierarchies().Count(h => !h.EndsWith("/unified", StringComparison.Ordinal)), lines.Count(l => l[0] != "0"));
        Assert.Equal($"/kubepods/besteffort/pod{pod.Uid}/{pod.SandboxId}", Procs.Cgroup(pod.SandboxPid, "pids"));
        Assert.Equal("2", File.ReadAllText(Path.Combine(pod.CgroupDirectory("/sys/fs/cgroup/cpu"), "cpu.shares")).Trim());
    }

    [Theory]
    [InlineData("100m", "64Mi", "100m", "64Mi", "Guaranteed", "/kubepods/pod")]
    [InlineData("100m", "32Mi", null, "64Mi", "Burstable", "/kubepods/burstable/pod")]
    [InlineData(null, null, "200m", "64Mi", "Guaranteed", "/kubepods/pod")]
    public async Task RunPod_Should_PlaceAndLimitPodByQosClass_When_ContainersAskForResources(
        string? cpuRequest, string? memoryRequest, string? cpuLimit, string? memoryLimit, string qos, string parentPrefix)
    {
        var definition = TestPods.Shell("qos", "exec sleep 100000");
        definition.Spec.Containers[0].Resources = new V1ResourceRequirements
        {
            Requests = Quantities(("cpu", cpuRequest), ("memory", memoryRequest)),
            Limits = Quantities(("cpu", cpuLimit), ("memory", memoryLimit)),
        };

        await using var pod = await _node.RunPodAsync(definition, CancellationToken.None);
        var app = pod["app"];

        Assert.Equal(qos, pod.QosClass);
        Assert.Equal($"{parentPrefix}{pod.Uid}/{app.Id}", Procs.Cgroup(app.InitPid, "memory"));
        Assert.Equal(64L * 1024 * 1024, long.Parse(File.ReadAllText(Path.Combine(app.CgroupDirectory("/sys/fs/cgroup/memory"), "memory.limit_in_bytes")).Trim(), CultureInfo.InvariantCulture));
        var shares = cpuRequest ?? cpuLimit!;
        Assert.Equal(int.Parse(shares.TrimEnd('m'), CultureInfo.InvariantCulture) * 1024 / 1000,
            int.Parse(File.ReadAllText(Path.Combine(app.CgroupDirectory("/sys/fs/cgroup/cpu"), "cpu.shares")).Trim(), CultureInfo.InvariantCulture));
        if (cpuLimit is not null)
        {
            Assert.Equal(int.Parse(cpuLimit.TrimEnd('m'), CultureInfo.InvariantCulture) * 100,
                int.Parse(File.ReadAllText(Path.Combine(app.CgroupDirectory("/sys/fs/cgroup/cpu"), "cpu.cfs_quota_us")).Trim(), CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task RunPod_Should_BindTheKubeletsAndContainerdsFilesIntoTheContainer_When_Started()
    {
        await using var pod = await _node.RunPodAsync(TestPods.Shell("files", "exec sleep 100000"), CancellationToken.None);
        var app = pod["app"];
        var mounts = MountsOf(app.InitPid);

        Assert.Equal(pod.EtcHostsPath, Single(mounts, "/etc/hosts").Root);
        Assert.Equal(pod.HostnamePath, Single(mounts, "/etc/hostname").Root);
        Assert.Equal(pod.ResolvConfPath, Single(mounts, "/etc/resolv.conf").Root);
        Assert.Equal(app.TerminationMessagePath, Single(mounts, "/dev/termination-log").Root);
        Assert.StartsWith(Path.Combine(pod.PodDirectory, "containers", "app") + "/", app.TerminationMessagePath);
        var shm = Single(mounts, "/dev/shm");
        Assert.Equal(("tmpfs", "shm"), (shm.FilesystemType, shm.Source));
        Assert.Equal(Single(MountsOf(Environment.ProcessId), pod.ShmPath).Device, shm.Device);
        var serviceAccount = Single(mounts, PodPlan.ServiceAccountMountPath);
        Assert.Equal("tmpfs", serviceAccount.FilesystemType);
        Assert.True(serviceAccount.IsReadOnly);
        foreach (var hierarchy in NodeCgroups.Hierarchies().Where(h => !h.EndsWith("/unified", StringComparison.Ordinal)))
        {
            var cgroup = Single(mounts, hierarchy);
            Assert.Equal(("cgroup", app.CgroupPath), (cgroup.FilesystemType, cgroup.Root));
        }

        var root = $"/proc/{app.InitPid}/root";
        Assert.Contains($"{pod.PodIp}\t{pod.Hostname}\n", File.ReadAllText(root + "/etc/hosts"));
        Assert.Equal(pod.Hostname, File.ReadAllText(root + "/etc/hostname").Trim());
        var resolv = File.ReadAllText(root + "/etc/resolv.conf");
        Assert.Contains($"nameserver {KubeletConfigs.ClusterDns}", resolv);
        Assert.Contains("search cryo-test.svc.cluster.local svc.cluster.local cluster.local", resolv);
        Assert.Contains("options ndots:5", resolv);
        Assert.Equal(TestPods.Namespace, File.ReadAllText(root + PodPlan.ServiceAccountMountPath + "/namespace"));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(root + PodPlan.ServiceAccountMountPath + "/ca.crt"));
        Assert.Equal(3, File.ReadAllText(root + PodPlan.ServiceAccountMountPath + "/token").Split('.').Length);
        Assert.Equal("..data/token", new FileInfo(root + PodPlan.ServiceAccountMountPath + "/token").LinkTarget);
        var write = await app.ExecSyncAsync(["touch", PodPlan.ServiceAccountMountPath + "/x"], Timeout, CancellationToken.None);
        Assert.NotEqual(0, write.ExitCode);
        Assert.Contains("Read-only file system", write.Stderr);
    }

    [Fact]
    public async Task RunPod_Should_MakeRootAndCgroupMountsSlavesOfTheSharedHost_When_HostRootIsRshared()
    {
        await using var pod = await _node.RunPodAsync(TestPods.Shell("propagation", "exec sleep 100000"), CancellationToken.None);
        var app = pod["app"];
        var host = MountsOf(Environment.ProcessId);
        var container = MountsOf(app.InitPid);

        Assert.Contains(Single(host, "/").OptionalFields, f => f.StartsWith("shared:", StringComparison.Ordinal));
        // runc's default rootfs propagation (rslave) turns the host's peer groups into the container's masters.
        var rootfsPeerGroup = Tag(Single(host, app.RootfsPath), "shared:");
        Assert.Equal(rootfsPeerGroup, Tag(Single(container, "/"), "master:"));
        foreach (var hierarchy in NodeCgroups.Hierarchies().Where(h => !h.EndsWith("/unified", StringComparison.Ordinal)))
        {
            Assert.Equal(Tag(Single(host, hierarchy), "shared:"), Tag(Single(container, hierarchy), "master:"));
        }

        // The kubelet asks for PROPAGATION_PRIVATE binds, which containerd mounts rprivate.
        foreach (var bind in new[] { "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/dev/termination-log", "/dev/shm", PodPlan.ServiceAccountMountPath })
        {
            Assert.Empty(Single(container, bind).OptionalFields);
        }
    }

    [Fact]
    public async Task RunPod_Should_ShareNetIpcAndUtsWithThePauseProcess_When_ContainersHaveTheirOwnPidAndMountNamespaces()
    {
        var definition = TestPods.Shell("namespaces", "exec sleep 100000");
        definition.Spec.Containers.Add(TestPods.ShellContainer("second", "exec sleep 100000"));
        await using var pod = await _node.RunPodAsync(definition, CancellationToken.None);
        var (app, second) = (pod["app"], pod["second"]);

        foreach (var kind in new[] { "net", "ipc", "uts" })
        {
            Assert.Equal(Procs.Namespace(pod.SandboxPid, kind), Procs.Namespace(app.InitPid, kind));
            Assert.Equal(Procs.Namespace(pod.SandboxPid, kind), Procs.Namespace(second.InitPid, kind));
            Assert.NotEqual(Procs.Namespace(Environment.ProcessId, kind), Procs.Namespace(app.InitPid, kind));
        }

        foreach (var kind in new[] { "pid", "mnt" })
        {
            Assert.NotEqual(Procs.Namespace(pod.SandboxPid, kind), Procs.Namespace(app.InitPid, kind));
            Assert.NotEqual(Procs.Namespace(app.InitPid, kind), Procs.Namespace(second.InitPid, kind));
        }

        Assert.Equal(1, Procs.NamespacePids(app.InitPid)[^1]);
        Assert.Equal(1, Procs.NamespacePids(pod.SandboxPid)[^1]);
        Assert.StartsWith("10.237.", pod.PodIp);
        var inside = await app.ExecSyncAsync(["sh", "-c", "hostname; ip -4 -o addr show eth0"], Timeout, CancellationToken.None);
        Assert.Equal(0, inside.ExitCode);
        Assert.StartsWith(pod.Hostname + "\n", inside.Stdout);
        Assert.Contains($"inet {pod.PodIp}/24", inside.Stdout);
    }

    [Fact]
    public async Task RunPod_Should_WriteStdoutAndStderrToTheCriLog_When_TheContainerPrints()
    {
        await using var pod = await _node.RunPodAsync(
            TestPods.Shell("logs", "echo first; echo problem >&2; printf 'no newline'; sleep 0.2; echo; echo last"), CancellationToken.None);
        var app = pod["app"];

        var status = await app.WaitForExitAsync(Timeout, CancellationToken.None);

        Assert.Equal((ContainerState.ContainerExited, 0, "Completed"), (status.State, status.ExitCode, status.Reason));
        Assert.Equal(Path.Combine(pod.LogDirectory, "app", "0.log"), app.LogPath);
        Assert.StartsWith(Path.Combine(_node.PodLogDirectory, $"{TestPods.Namespace}_{pod.Pod.Metadata.Name}_{pod.Uid}"), app.LogPath);
        Assert.Equal("first\nno newline\nlast\n", app.Stdout);
        Assert.Equal("problem\n", app.Stderr);
        Assert.Contains(app.LogEntries, e => e is { Stream: "stderr", Text: "problem", Partial: false });
        Assert.All(app.LogEntries, e => Assert.InRange(e.Time, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Fact]
    public async Task RunPod_Should_RunInitContainersInOrderBeforeTheContainers_When_TheyShareAnEmptyDir()
    {
        var definition = TestPods.Shell("init", "cat /work/steps; exec sleep 100000");
        definition.Spec.Volumes = [new V1Volume { Name = "work", EmptyDir = new V1EmptyDirVolumeSource() }];
        definition.Spec.InitContainers =
        [
            TestPods.ShellContainer("first", "echo one > /work/steps"),
            TestPods.ShellContainer("second", "echo two >> /work/steps"),
        ];
        foreach (var container in definition.Spec.InitContainers.Concat(definition.Spec.Containers))
        {
            container.VolumeMounts = [new V1VolumeMount { Name = "work", MountPath = "/work" }];
        }

        await using var pod = await _node.RunPodAsync(definition, CancellationToken.None);

        await pod["app"].WaitForLogAsync(l => l.Contains("two", StringComparison.Ordinal), Timeout, CancellationToken.None);
        Assert.Equal("one\ntwo\n", pod["app"].Log);
        Assert.Equal(["first", "second"], pod.InitContainers.Select(c => c.Name));
        foreach (var init in pod.InitContainers)
        {
            var status = await init.StatusAsync(CancellationToken.None);
            Assert.Equal((ContainerState.ContainerExited, 0), (status.State, status.ExitCode));
            Assert.True(status.FinishedAt <= (await pod["app"].StatusAsync(CancellationToken.None)).StartedAt);
        }

        var volume = pod.VolumePaths["work"];
        Assert.Equal(Path.Combine(pod.PodDirectory, "volumes", "kubernetes.io~empty-dir", "work"), volume);
        Assert.Equal("one\ntwo\n", await File.ReadAllTextAsync(Path.Combine(volume, "steps")));
        Assert.Equal(volume, Single(MountsOf(pod["app"].InitPid), "/work").Root);
    }

    [Fact]
    public async Task RunPod_Should_FailWithTheInitContainersLogAndLeaveNothing_When_AnInitContainerFails()
    {
        var definition = TestPods.Shell("init-fails", "exec sleep 100000");
        definition.Spec.InitContainers = [TestPods.ShellContainer("setup", "echo cannot prepare >&2; exit 3")];

        var failure = await Assert.ThrowsAsync<PodStartException>(() => _node.RunPodAsync(definition, CancellationToken.None));

        Assert.Contains("init container setup", failure.Message);
        Assert.Contains("exited 3", failure.Message);
        Assert.Contains("cannot prepare", failure.Message);
        Assert.DoesNotContain(_node.Pods, p => p.Pod.Metadata.Name == definition.Metadata.Name);
        Assert.DoesNotContain(Directory.GetDirectories(Path.Combine(_node.KubeletDirectory, "pods")), d => !_node.Pods.Any(p => p.PodDirectory == d));
    }

    [Fact]
    public async Task RunPod_Should_RefuseBeforeCreatingAnything_When_AVolumeTypeIsNotSupported()
    {
        var definition = TestPods.Shell("pvc", "exec sleep 100000");
        definition.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "claim" } }];
        var podsBefore = Directory.GetDirectories(Path.Combine(_node.KubeletDirectory, "pods")).Length;

        var failure = await Assert.ThrowsAsync<NotSupportedException>(() => _node.RunPodAsync(definition, CancellationToken.None));

        Assert.Contains("volume 'data' is of type persistentVolumeClaim", failure.Message);
        Assert.Equal(podsBefore, Directory.GetDirectories(Path.Combine(_node.KubeletDirectory, "pods")).Length);
    }

    [Fact]
    public async Task RunPod_Should_GiveTheContainerTheKubeletsEnvironment_When_ItUsesReferencesAndFieldRefs()
    {
        var definition = TestPods.Shell("env", "echo \"greeting=$GREETING pod=$POD_NAME ip=$POD_IP svc=$KUBERNETES_SERVICE_HOST\"; echo \"$@\"; exec sleep 100000");
        var app = definition.Spec.Containers[0];
        app.Command = ["sh", "-c", app.Command[2], "sh", "$(WHO)", "$$(WHO)"];
        app.Env =
        [
            new V1EnvVar { Name = "WHO", Value = "world" },
            new V1EnvVar { Name = "GREETING", Value = "hello $(WHO)" },
            new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new V1EnvVar { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
        ];

        await using var pod = await _node.RunPodAsync(definition, CancellationToken.None);

        var log = await pod["app"].WaitForLogAsync(l => l.Split('\n').Length > 2, Timeout, CancellationToken.None);
        Assert.Equal($"greeting=hello world pod={definition.Metadata.Name} ip={pod.PodIp} svc={KubeletEnvironment.KubernetesServiceIp}\nworld $(WHO)\n", log);
    }

    [Fact]
    public async Task RunPod_Should_ApplyTheSecurityContext_When_ItAsksForAUserAndAReadOnlyRoot()
    {
        var definition = TestPods.Shell("security", "id -u; touch /written 2>&1 || echo refused; exec sleep 100000");
        definition.Spec.Containers[0].SecurityContext = new V1SecurityContext { RunAsUser = 65534, ReadOnlyRootFilesystem = true, AllowPrivilegeEscalation = false };

        await using var pod = await _node.RunPodAsync(definition, CancellationToken.None);

        var log = await pod["app"].WaitForLogAsync(l => l.Contains("refused", StringComparison.Ordinal), Timeout, CancellationToken.None);
        Assert.StartsWith("65534\n", log);
        Assert.True(Single(MountsOf(pod["app"].InitPid), "/").IsReadOnly);
        Assert.Contains("NoNewPrivs:\t1", File.ReadAllText($"/proc/{pod["app"].InitPid}/status"));
    }

    [Fact]
    public async Task RunPod_Should_GiveTheContainerATerminal_When_TtyIsSet()
    {
        var definition = TestPods.Shell("tty", "tty; exec sleep 100000");
        definition.Spec.Containers[0].Tty = true;
        definition.Spec.Containers[0].Stdin = true;

        await using var pod = await _node.RunPodAsync(definition, CancellationToken.None);

        var log = await pod["app"].WaitForLogAsync(l => l.Contains("/dev/pts/", StringComparison.Ordinal), Timeout, CancellationToken.None);
        Assert.StartsWith("/dev/pts/0", log);
        Assert.All(pod["app"].LogEntries, e => Assert.Equal("stdout", e.Stream));
        Assert.Equal("/dev/pts/0", new FileInfo($"/proc/{pod["app"].InitPid}/fd/1").LinkTarget);
    }

    [Fact]
    public async Task StopContainer_Should_SendSigtermAndReportTheExitCode_When_TheContainerHandlesIt()
    {
        var definition = TestPods.Shell("stop", "trap 'echo terminating; exit 7' TERM; echo ready; while :; do sleep 0.1; done");
        definition.Spec.Containers.Add(TestPods.ShellContainer("stubborn", "trap '' TERM; echo ready; while :; do sleep 0.1; done"));
        await using var pod = await _node.RunPodAsync(definition, CancellationToken.None);
        await pod["app"].WaitForLogAsync(l => l.Contains("ready", StringComparison.Ordinal), Timeout, CancellationToken.None);
        await pod["stubborn"].WaitForLogAsync(l => l.Contains("ready", StringComparison.Ordinal), Timeout, CancellationToken.None);

        var handled = await pod["app"].StopAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var killed = await pod["stubborn"].StopAsync(TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal((ContainerState.ContainerExited, 7, "Error"), (handled.State, handled.ExitCode, handled.Reason));
        Assert.Contains("terminating", pod["app"].Log);
        Assert.Equal((ContainerState.ContainerExited, 137), (killed.State, killed.ExitCode));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.False(ProcessReaper.IsAlive(pod["stubborn"].InitPid));
    }

    [Fact]
    public async Task RestartContainer_Should_StartTheNextAttemptInTheSameSandboxWithTheSameVolumes_When_TheContainerExited()
    {
        var definition = TestPods.Shell("restart", "echo run >> /work/runs; cat /work/runs | wc -l; exec sleep 100000");
        definition.Spec.Volumes = [new V1Volume { Name = "work", EmptyDir = new V1EmptyDirVolumeSource() }];
        definition.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "work", MountPath = "/work" }];
        await using var pod = await _node.RunPodAsync(definition, CancellationToken.None);
        var first = pod["app"];
        await first.WaitForLogAsync(l => l.Contains('1', StringComparison.Ordinal), Timeout, CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pod.RestartContainerAsync("app", CancellationToken.None));
        await first.StopAsync(TimeSpan.Zero, CancellationToken.None);

        var second = await pod.RestartContainerAsync("app", CancellationToken.None);

        await second.WaitForLogAsync(l => l.Contains('2', StringComparison.Ordinal), Timeout, CancellationToken.None);
        Assert.Same(second, pod["app"]);
        Assert.Equal((1u, Path.Combine(pod.LogDirectory, "app", "1.log")), (second.Attempt, second.LogPath));
        Assert.NotEqual(first.Id, second.Id);
        Assert.NotEqual(first.TerminationMessagePath, second.TerminationMessagePath);
        Assert.Equal(Procs.Namespace(pod.SandboxPid, "net"), Procs.Namespace(second.InitPid, "net"));
        Assert.Equal(first.Mounts.Where(m => m.ContainerPath != "/dev/termination-log"), second.Mounts.Where(m => m.ContainerPath != "/dev/termination-log"));
        Assert.Equal("run\nrun\n", await File.ReadAllTextAsync(Path.Combine(pod.VolumePaths["work"], "runs")));
    }

    [Fact]
    public async Task Dispose_Should_LeaveNoProcessCgroupMountOrDirectory_When_ThePodHadChildrenAndVolumes()
    {
        var definition = TestPods.Shell("dispose", "sleep 100000 & sleep 100000 & echo started; wait");
        definition.Spec.Volumes = [new V1Volume { Name = "memory", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } }];
        definition.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "memory", MountPath = "/memory" }];
        var pod = await _node.RunPodAsync(definition, CancellationToken.None);
        var app = pod["app"];
        await app.WaitForLogAsync(l => l.Contains("started", StringComparison.Ordinal), Timeout, CancellationToken.None);
        var pids = Procs.Tree(app.InitPid).Append(pod.SandboxPid).ToList();
        var ids = new[] { app.Id, pod.SandboxId };
        Assert.Equal(4, pids.Count);
        Assert.Contains(MountsOf(Environment.ProcessId), m => m.MountPoint == app.RootfsPath);
        Assert.Contains(MountsOf(Environment.ProcessId), m => m.MountPoint == pod.VolumePaths["memory"]);

        await pod.DisposeAsync();

        Assert.All(pids, p => Assert.False(ProcessReaper.IsAlive(p), $"process {p} is still alive"));
        Assert.Empty(NodeCgroups.Existing(pod.CgroupParent));
        Assert.DoesNotContain(MountsOf(Environment.ProcessId),
            m => m.MountPoint.StartsWith(pod.PodDirectory, StringComparison.Ordinal) || ids.Any(id => m.MountPoint.Contains(id, StringComparison.Ordinal)));
        Assert.False(Directory.Exists(pod.PodDirectory));
        Assert.False(Directory.Exists(pod.LogDirectory));
        Assert.False(Directory.Exists(app.BundleDirectory));
        Assert.DoesNotContain(pod, _node.Pods);
    }

    private static Dictionary<string, ResourceQuantity>? Quantities(params (string Name, string? Value)[] values) =>
        values.Any(v => v.Value is not null) ? values.Where(v => v.Value is not null).ToDictionary(v => v.Name, v => new ResourceQuantity(v.Value)) : null;

    private static IReadOnlyList<MountInfo> MountsOf(int pid) => MountInfo.ParseAll(File.ReadAllText($"/proc/{pid}/mountinfo"));

    // The mount a path resolves to: the last one mounted there.
    private static MountInfo Single(IReadOnlyList<MountInfo> mounts, string mountPoint) =>
        mounts.LastOrDefault(m => m.MountPoint == mountPoint)
        ?? throw new Xunit.Sdk.XunitException($"nothing is mounted at {mountPoint}; mounts: {string.Join(", ", mounts.Select(m => m.MountPoint))}");

    private static string Tag(MountInfo mount, string prefix) =>
        mount.OptionalFields.SingleOrDefault(f => f.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..]
        ?? throw new Xunit.Sdk.XunitException($"{mount.MountPoint} has no {prefix} tag ({string.Join(' ', mount.OptionalFields)})");

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
