using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cryo.Testing.Node;

/// <summary>
/// A pod run on the harness's node the way a kubelet runs it through containerd's CRI: its directories, pod cgroup
/// and volumes first, then RunPodSandbox (pause, network, IPC and UTS namespaces, CNI networking), the kubelet's
/// <c>/etc/hosts</c>, the init containers one after another to completion, and the containers in spec order.
/// Disposal tears it down as the kubelet does (stop containers, stop and remove the sandbox, unmount volumes,
/// remove the pod cgroup and directories) and fails if anything stays behind.
/// </summary>
public sealed class NodePod : IAsyncDisposable
{
    private static readonly TimeSpan InitContainerTimeout = TimeSpan.FromSeconds(60);

    private readonly NodeFixture _node;
    private readonly List<NodeContainer> _instances = [];
    private readonly List<NodeContainer> _initContainers = [];
    private readonly Dictionary<string, NodeContainer> _containers = new(StringComparer.Ordinal);
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2213", Justification = "Never disposed on purpose: a call racing disposal waits its turn instead of failing with ObjectDisposedException; without its AvailableWaitHandle a SemaphoreSlim holds nothing to release.")]
    private readonly SemaphoreSlim _lock = new(1, 1);
    private PodSandboxConfig? _sandboxConfig;
    private PodVolumes? _volumes;
    private bool _cgroupCreated;
    private bool _disposed;

    private NodePod(NodeFixture node, PodPlan plan)
    {
        _node = node;
        Plan = plan;
        PodDirectory = Path.Combine(node.KubeletDirectory, "pods", plan.Uid);
        LogDirectory = Path.Combine(node.PodLogDirectory, $"{plan.Namespace}_{plan.Name}_{plan.Uid}");
    }

    /// <summary>The pod with the defaults the API server would have added.</summary>
    public PodPlan Plan { get; }

    /// <summary>The pod as run.</summary>
    public V1Pod Pod => Plan.Pod;

    /// <summary>metadata.uid.</summary>
    public string Uid => Plan.Uid;

    /// <summary><c>namespace/name</c>.</summary>
    public string FullName => Plan.FullName;

    /// <summary>The CRI sandbox ID (the pause container's ID).</summary>
    public string SandboxId { get; private set; } = "";

    /// <summary>The host PID of the sandbox's pause process, whose net, IPC and UTS namespaces the containers share.</summary>
    public int SandboxPid { get; private set; }

    /// <summary>The pod's IP on the CNI bridge.</summary>
    public string PodIp { get; private set; } = "";

    /// <summary>The sandbox's hostname.</summary>
    public string Hostname => KubeletConfigs.Hostname(Pod);

    /// <summary>The QoS class (BestEffort, Burstable, Guaranteed).</summary>
    public string QosClass => Plan.QosClass;

    /// <summary>The pod cgroup, e.g. <c>/kubepods/besteffort/pod&lt;uid&gt;</c>; containers live at <c>&lt;this&gt;/&lt;container id&gt;</c>.</summary>
    public string CgroupParent => Plan.CgroupParent;

    /// <summary>The kubelet's directory for the pod (<c>&lt;kubelet&gt;/pods/&lt;uid&gt;</c>: volumes, etc-hosts, termination logs).</summary>
    public string PodDirectory { get; }

    /// <summary>The pod's log directory (<c>&lt;logs&gt;/pods/&lt;ns&gt;_&lt;name&gt;_&lt;uid&gt;</c>).</summary>
    public string LogDirectory { get; }

    /// <summary>The kubelet-managed hosts file bind-mounted at <c>/etc/hosts</c>.</summary>
    public string EtcHostsPath => Path.Combine(PodDirectory, "etc-hosts");

    /// <summary>The sandbox's hostname file containerd writes and bind-mounts at <c>/etc/hostname</c>.</summary>
    public string HostnamePath => Path.Combine(_node.Containerd.SandboxRootDirectory, SandboxId, "hostname");

    /// <summary>The sandbox's resolv.conf containerd writes from the DNS config and bind-mounts at <c>/etc/resolv.conf</c>.</summary>
    public string ResolvConfPath => Path.Combine(_node.Containerd.SandboxRootDirectory, SandboxId, "resolv.conf");

    /// <summary>The sandbox's <c>/dev/shm</c> tmpfs on the host, which containerd bind-mounts into every container.</summary>
    public string ShmPath => Path.Combine(_node.Containerd.SandboxStateDirectory, SandboxId, "shm");

    /// <summary>Volume name → host path (the ServiceAccount's projected volume included).</summary>
    public IReadOnlyDictionary<string, string> VolumePaths => _volumes?.HostPaths ?? new Dictionary<string, string>();

    /// <summary>The init containers, each run to completion before the containers started.</summary>
    public IReadOnlyList<NodeContainer> InitContainers => _initContainers;

    /// <summary>The current instance of each regular container, in spec order.</summary>
    public IReadOnlyList<NodeContainer> Containers => Plan.Containers.Where(c => _containers.ContainsKey(c.Name)).Select(c => _containers[c.Name]).ToArray();

    /// <summary>The current instance of a regular container.</summary>
    /// <exception cref="KeyNotFoundException">The pod has no running instance of a container by that name.</exception>
    public NodeContainer this[string name] => _containers.TryGetValue(name, out var container)
        ? container
        : throw new KeyNotFoundException($"pod {FullName} has no container '{name}' (it has {string.Join(", ", _containers.Keys)})");

    /// <summary>The pod cgroup's directory in a hierarchy, e.g. <c>/sys/fs/cgroup/pids</c>.</summary>
    public string CgroupDirectory(string hierarchy) => hierarchy.TrimEnd('/') + CgroupParent;

    /// <summary>
    /// Restarts an exited container the way the kubelet does: a new CRI container in the same sandbox with
    /// attempt + 1 (log <c>name/attempt.log</c>), the same volumes and <c>/etc/hosts</c>, a new termination log file.
    /// The old instance stays until the pod is disposed, as the kubelet keeps the last dead one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The current instance still runs (the kubelet only restarts exited containers).</exception>
    public async Task<NodeContainer> RestartContainerAsync(string name, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var old = this[name];
            var status = await old.StatusAsync(cancellationToken);
            if (status.State != ContainerState.ContainerExited)
            {
                throw new InvalidOperationException($"{old.Describe()} is {status.State}: stop it first, the kubelet only restarts exited containers");
            }

            var spec = Plan.Containers.Single(c => c.Name == name);
            var restarted = await StartContainerAsync(spec, old.Attempt + 1, isInit: false, cancellationToken);
            _containers[name] = restarted;
            return restarted;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Runs the pod; on failure removes whatever was created and rethrows.</summary>
    internal static async Task<NodePod> StartAsync(NodeFixture node, PodPlan plan, CancellationToken cancellationToken)
    {
        var pod = new NodePod(node, plan);
        node.Track(pod);
        try
        {
            pod.MakeDataDirectories();
            pod.EnsurePodCgroup();
            await pod.MountVolumesAsync(cancellationToken);
            await pod.RunSandboxAsync(cancellationToken);
            await pod.WriteEtcHostsAsync(cancellationToken);
            await pod.RunInitContainersAsync(cancellationToken);
            await pod.StartContainersAsync(cancellationToken);
            return pod;
        }
        catch (Exception failure)
        {
            try
            {
                await pod.DisposeAsync();
            }
            catch (Exception cleanup)
            {
                throw new AggregateException($"pod {plan.FullName} did not start, and removing what it created failed too", failure, cleanup);
            }

            throw;
        }
    }

    // The kubelet's makePodDataDirs, and the pod log directory it creates before RunPodSandbox.
    private void MakeDataDirectories()
    {
        foreach (var dir in new[] { "volumes", "plugins", "containers" })
        {
            Directory.CreateDirectory(Path.Combine(PodDirectory, dir));
        }

        Directory.CreateDirectory(LogDirectory);
    }

    private void EnsurePodCgroup()
    {
        _cgroupCreated = true;
        NodeCgroups.CreatePod(CgroupParent, KubeletQos.ForPod(Pod.Spec));
    }

    private async Task MountVolumesAsync(CancellationToken cancellationToken) =>
        _volumes = await PodVolumes.SetUpAsync(Plan, PodDirectory, Context(), _node.CaCertificatePem, _node.Csi, cancellationToken);

    private async Task RunSandboxAsync(CancellationToken cancellationToken)
    {
        var cri = _node.Cri;
        _sandboxConfig = KubeletConfigs.Sandbox(Plan, LogDirectory);
        var response = await cri.CallAsync($"RunPodSandbox {FullName}",
            o => cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = _sandboxConfig }, o), cancellationToken, TimeSpan.FromSeconds(60));
        SandboxId = response.PodSandboxId;
        var status = await cri.CallAsync($"PodSandboxStatus {FullName}",
            o => cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = SandboxId, Verbose = true }, o), cancellationToken);
        PodIp = status.Status.Network?.Ip ?? "";
        if (PodIp.Length == 0)
        {
            throw new PodStartException($"sandbox {SandboxId} of pod {FullName} has no IP: the CNI bridge plugin gave it none");
        }

        using var info = JsonDocument.Parse(status.Info.GetValueOrDefault("info", "{}"));
        SandboxPid = info.RootElement.TryGetProperty("pid", out var pid) ? pid.GetInt32() : 0;
    }

    // Written once the sandbox has its IP, as the kubelet's makeMounts does for the first container.
    private async Task WriteEtcHostsAsync(CancellationToken cancellationToken)
    {
        var hosts = new StringBuilder("# Kubernetes-managed hosts file.\n")
            .Append("127.0.0.1\tlocalhost\n")
            .Append("::1\tlocalhost ip6-localhost ip6-loopback\n")
            .Append("fe00::0\tip6-localnet\n")
            .Append("fe00::0\tip6-mcastprefix\n")
            .Append("fe00::1\tip6-allnodes\n")
            .Append("fe00::2\tip6-allrouters\n");
        var domain = KubeletConfigs.Domain(Pod);
        hosts.Append(domain.Length > 0 ? $"{PodIp}\t{Hostname}.{domain}\t{Hostname}\n" : $"{PodIp}\t{Hostname}\n");
        if (Pod.Spec.HostAliases is { Count: > 0 } aliases)
        {
            hosts.Append("\n# Entries added by HostAliases.\n");
            foreach (var alias in aliases)
            {
                foreach (var name in alias.Hostnames ?? [])
                {
                    hosts.Append(CultureInfo.InvariantCulture, $"{alias.Ip}\t{name}\n");
                }
            }
        }

        await File.WriteAllTextAsync(EtcHostsPath, hosts.ToString(), cancellationToken);
        File.SetUnixFileMode(EtcHostsPath, (UnixFileMode)Convert.ToInt32("644", 8));
    }

    private async Task RunInitContainersAsync(CancellationToken cancellationToken)
    {
        foreach (var spec in Plan.InitContainers)
        {
            var container = await StartContainerAsync(spec, 0, isInit: true, cancellationToken);
            _initContainers.Add(container);
            var status = await container.WaitForExitAsync(InitContainerTimeout, cancellationToken);
            if (status.ExitCode != 0)
            {
                throw new PodStartException($"init {container.Describe()} exited {status.ExitCode} ({status.Reason} {status.Message}); its log:\n{NodeContainer.Tail(container.Log)}");
            }
        }
    }

    private async Task StartContainersAsync(CancellationToken cancellationToken)
    {
        foreach (var spec in Plan.Containers)
        {
            _containers[spec.Name] = await StartContainerAsync(spec, 0, isInit: false, cancellationToken);
        }
    }

    // The kubelet's startContainer: resolve the image, make the mounts (volumes, /etc/hosts, a fresh termination
    // log), CreateContainer with the sandbox's config, StartContainer.
    private async Task<NodeContainer> StartContainerAsync(V1Container spec, uint attempt, bool isInit, CancellationToken cancellationToken)
    {
        var cri = _node.Cri;
        var image = await _node.Images.StatusAsync(spec.Image, cancellationToken);
        var terminationLog = CreateTerminationLog(spec.Name);
        var mounts = _volumes!.MountsFor(spec).ToList();
        if (mounts.All(m => m.ContainerPath != "/etc/hosts"))
        {
            mounts.Add(new Mount { ContainerPath = "/etc/hosts", HostPath = EtcHostsPath });
        }

        mounts.Add(new Mount { ContainerPath = spec.TerminationMessagePath, HostPath = terminationLog });
        var environment = KubeletEnvironment.For(spec, Context());
        var config = KubeletConfigs.Container(Plan, spec, attempt, image, mounts, environment, _node.MemoryCapacity);
        var what = $"container {spec.Name} (attempt {attempt}) of pod {FullName}";
        var created = await cri.CallAsync($"CreateContainer {what}",
            o => cri.Runtime.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = SandboxId, Config = config, SandboxConfig = _sandboxConfig }, o),
            cancellationToken, TimeSpan.FromSeconds(60));
        var container = new NodeContainer(cri, FullName, spec.Name, created.ContainerId, attempt, isInit, CgroupParent,
            Path.Combine(_node.Containerd.TaskDirectory, created.ContainerId), Path.Combine(LogDirectory, config.LogPath), terminationLog, config);
        _instances.Add(container);
        await cri.CallAsync($"StartContainer {what}",
            o => cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = container.Id }, o), cancellationToken, TimeSpan.FromSeconds(60));
        await container.ReadInitPidAsync(cancellationToken);
        return container;
    }

    // pods/<uid>/containers/<name>/<8 hex>, world-writable: a new file for every container instance.
    private string CreateTerminationLog(string containerName)
    {
        var directory = Path.Combine(PodDirectory, "containers", containerName);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, Random.Shared.Next().ToString("x8", CultureInfo.InvariantCulture));
        File.WriteAllBytes(path, []);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("666", 8));
        return path;
    }

    private DownwardApi.Context Context() => new(Plan, PodIp, _node.NodeName, _node.HostIp);

    /// <summary>
    /// Tears the pod down as the kubelet does: StopContainer (no grace) for every container instance, StopPodSandbox,
    /// RemoveContainer, RemovePodSandbox, then unmounts the volumes, removes the pod's directories and its cgroup
    /// (killing anything left in it). Throws when something could not be removed or is still mounted.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }
        finally
        {
            _lock.Release();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var token = timeout.Token;
        var errors = new List<Exception>();
        var cri = _node.Cri;
        if (SandboxId.Length > 0 || _instances.Count > 0)
        {
            foreach (var container in _instances)
            {
                await Try(errors, () => cri.CallAsync($"StopContainer {container.Describe()}",
                    o => cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = container.Id, Timeout = 0 }, o), token));
            }

            if (SandboxId.Length > 0)
            {
                await Try(errors, () => cri.CallAsync($"StopPodSandbox {FullName}",
                    o => cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = SandboxId }, o), token));
            }

            foreach (var container in _instances)
            {
                await Try(errors, () => cri.CallAsync($"RemoveContainer {container.Describe()}",
                    o => cri.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = container.Id }, o), token));
            }

            if (SandboxId.Length > 0)
            {
                await Try(errors, () => cri.CallAsync($"RemovePodSandbox {FullName}",
                    o => cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = SandboxId }, o), token));
            }
        }

        if (_cgroupCreated)
        {
            await Try(errors, () => NodeCgroups.RemovePodAsync(CgroupParent, token));
        }

        // As the kubelet's volume manager does once the containers are gone: NodeUnpublishVolume for each CSI volume.
        if (_volumes is not null)
        {
            await Try(errors, () => _volumes.TearDownAsync(_node.Csi, token));
        }

        await Try(errors, () => TempDirectory.DeleteAsync(PodDirectory, token));
        await Try(errors, () => TempDirectory.DeleteAsync(LogDirectory, token));
        await Try(errors, () => Task.Run(CheckNothingLeft, token));
        _node.Untrack(this);
        if (errors.Count > 0)
        {
            throw new AggregateException($"teardown of pod {FullName} was incomplete", errors);
        }
    }

    // After teardown no mount may name the pod's directories, its sandbox or any of its containers.
    private void CheckNothingLeft()
    {
        var ids = _instances.Select(c => c.Id).Append(SandboxId).Where(id => id.Length > 0).ToArray();
        var mounts = Cryo.Agent.Containers.MountInfo.ParseAll(File.ReadAllText("/proc/self/mountinfo"))
            .Where(m => m.MountPoint.StartsWith(PodDirectory, StringComparison.Ordinal)
                || ids.Any(id => m.MountPoint.Contains(id, StringComparison.Ordinal)))
            .Select(m => m.MountPoint)
            .ToArray();
        if (mounts.Length > 0)
        {
            throw new IOException($"pod {FullName} left mounts behind: {string.Join(", ", mounts)}");
        }

        var cgroups = NodeCgroups.Existing(CgroupParent);
        if (cgroups.Count > 0)
        {
            throw new IOException($"pod {FullName} left cgroups behind: {string.Join(", ", cgroups)}");
        }
    }

    private static async Task Try(List<Exception> errors, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is CriException or IOException or TimeoutException or OperationCanceledException
                                      or UnauthorizedAccessException or AggregateException or NodeSetupException)
        {
            errors.Add(e);
        }
    }
}
