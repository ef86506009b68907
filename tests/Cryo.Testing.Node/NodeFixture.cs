using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Cryo.Testing.Node;

/// <summary>
/// A Kubernetes node for tests, built from the parts a kubelet + containerd node runs (Debian's containerd 1.6, runc,
/// CNI plugins; cgroup v1 with the cgroupfs driver; <c>/</c> mounted rshared): its own containerd with its own
/// config, state and socket, a CNI bridge network, the kubelet's <c>/kubepods</c> cgroups, a pause image and a busybox
/// image. Tests hand it <see cref="V1Pod"/> objects and get <see cref="NodePod"/>s run as a kubelet runs them.
/// Started once for the <see cref="NodeCollection"/>; stops containerd and removes everything at the end.
/// </summary>
public sealed class NodeFixture : IAsyncLifetime, IDisposable
{
    private const string DirectoryPrefix = "cryo-node-";

    private static readonly string[] RequiredFiles =
    [
        "/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/containerd-shim-runc-v2", "/usr/sbin/runc",
        "/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/loopback",
    ];

    // Host directories containerd's shims (socket directory) and libcni (result cache) create outside our directory;
    // removed at the end when they hold nothing, unless something was in them when this run started.
    private static readonly string[] HostDirectories = ["/run/containerd/s", "/run/containerd", "/var/lib/cni/results", "/var/lib/cni"];

    private readonly ConcurrentDictionary<NodePod, bool> _pods = new();
    private string[] _hostDirectoriesInUse = [];
    private IReadOnlyList<string> _createdCgroups = [];
    private CniNetwork? _network;
    private Containerd? _containerd;
    private CriClient? _cri;
    private NodeImages? _images;
    private bool _disposed;

    /// <summary>The directory holding everything of this node (<c>/tmp/cryo-node-&lt;pid&gt;-&lt;random&gt;</c>).</summary>
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"{DirectoryPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..(DirectoryPrefix.Length + 20)]);

    /// <summary>The kubelet's root (<c>/var/lib/kubelet</c> on a real node): <c>pods/&lt;uid&gt;/…</c>.</summary>
    public string KubeletDirectory => Path.Combine(Directory, "kubelet");

    /// <summary>The pod log root (<c>/var/log/pods</c> on a real node).</summary>
    public string PodLogDirectory => Path.Combine(Directory, "log", "pods");

    /// <summary>This node's containerd.</summary>
    public Containerd Containerd => _containerd ?? throw NotStarted();

    /// <summary>The CRI client the harness uses (its socket is <see cref="Containerd.Address"/>).</summary>
    public CriClient Cri => _cri ?? throw NotStarted();

    /// <summary>Images on the node; <see cref="NodeImages.Busybox"/> is there from the start.</summary>
    public NodeImages Images => _images ?? throw NotStarted();

    /// <summary>The pod network.</summary>
    public CniNetwork Network => _network ?? throw NotStarted();

    /// <summary>The node's name (<c>spec.nodeName</c>): the host's name.</summary>
    public string NodeName { get; } = Environment.MachineName.ToLowerInvariant();

    /// <summary>The node's address (<c>status.hostIP</c>).</summary>
    public string HostIp { get; } = FindHostIp();

    /// <summary>The node's memory, for the kubelet's OOM score of Burstable containers.</summary>
    public long MemoryCapacity { get; } = KubeletQos.MemoryCapacity();

    /// <summary>The cluster CA that ServiceAccount volumes carry as <c>ca.crt</c> (a self-signed certificate of this run).</summary>
    public string CaCertificatePem { get; } = CreateCaCertificate();

    /// <summary>The kubelet's CSI side: register a driver here (<see cref="KubeletCsi.RegisterAsync"/>) and pods may use its volumes.</summary>
    public Csi.KubeletCsi Csi { get; } = new();

    /// <summary>How long the node took to come up (containerd started, CRI ready, images imported).</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>The pods that are running (not yet disposed).</summary>
    public IReadOnlyCollection<NodePod> Pods => _pods.Keys.ToArray();

    /// <summary>
    /// Runs <paramref name="pod"/> as a kubelet would and returns once every init container has succeeded and every
    /// container was started. The caller disposes the result (the fixture disposes what is left at the end).
    /// </summary>
    /// <exception cref="NotSupportedException">The pod uses something the harness does not run; nothing was created.</exception>
    /// <exception cref="PodStartException">A step failed or an init container did not succeed; everything created was removed.</exception>
    /// <exception cref="CriException">containerd refused a call; everything created was removed.</exception>
    public Task<NodePod> RunPodAsync(V1Pod pod, CancellationToken cancellationToken) =>
        NodePod.StartAsync(this, PodPlan.Create(pod), cancellationToken);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            // Whatever was started (containerd, the bridge, cgroups) must not outlive a failed start.
            await DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var token = timeout.Token;
        var errors = new List<Exception>();
        foreach (var pod in _pods.Keys)
        {
            await Try(errors, async () => await pod.DisposeAsync());
        }

        _cri?.Dispose();
        Csi.Dispose();
        if (_containerd is not null)
        {
            await Try(errors, () => _containerd.StopAsync(TimeSpan.FromSeconds(10), token));
        }

        await Try(errors, () => TempDirectory.DeleteAsync(Directory, token));
        if (_network is not null)
        {
            await Try(errors, () => CniNetwork.DeleteBridgeAsync(_network.Bridge, token));
        }

        NodeCgroups.RemoveNodeLevels(_createdCgroups);
        RemoveEmptyHostDirectories();
        if (errors.Count > 0)
        {
            throw new AggregateException("the node fixture's cleanup was incomplete", errors);
        }
    }

    /// <summary>Releases the CRI channel; <see cref="DisposeAsync"/> does the real cleanup.</summary>
    public void Dispose() => _cri?.Dispose();

    private async Task StartAsync()
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var token = timeout.Token;
        CheckPrerequisites();
        await StaleNodeRuns.RemoveAsync(Path.GetTempPath(), DirectoryPrefix, token);
        _hostDirectoriesInUse = HostDirectories
            .Where(d => System.IO.Directory.Exists(d) && System.IO.Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Any())
            .ToArray();
        System.IO.Directory.CreateDirectory(Directory);
        System.IO.Directory.CreateDirectory(KubeletDirectory);
        System.IO.Directory.CreateDirectory(PodLogDirectory);

        // A systemd host mounts / rshared; runc's default rootfs propagation (rslave) then makes every container
        // mount a slave of the host's, which is what a real node's containers look like to CRIU.
        await HostCommand.RunAsync("mount", ["--make-rshared", "/"], token);
        _createdCgroups = NodeCgroups.EnsureNodeLevels();
        await File.WriteAllLinesAsync(Path.Combine(Directory, "created-cgroups"), _createdCgroups, token);
        _network = await CniNetwork.CreateAsync(Path.Combine(Directory, "cni"), token);

        var imageRoots = Path.Combine(Directory, "images");
        var busyboxRoot = Path.Combine(imageRoots, "busybox");
        var pauseRoot = Path.Combine(imageRoots, "pause");
        await Task.WhenAll(NodeImages.BuildBusyboxRootAsync(busyboxRoot, token), NodeImages.BuildPauseRootAsync(pauseRoot, token));

        _containerd = Containerd.Start(Path.Combine(Directory, "containerd"), _network.ConfDirectory, NodeImages.Pause);
        _cri = new CriClient(_containerd.Address, () => "containerd's log ends with:\n" + _containerd.LogTail());
        await _containerd.WaitUntilReadyAsync(_cri, TimeSpan.FromSeconds(30), token);
        _images = new NodeImages(_containerd, _cri, Path.Combine(imageRoots, "archives"));
        await Task.WhenAll(
            _images.ImportDirectoryAsync(pauseRoot, NodeImages.Pause, new OciImageConfig { Entrypoint = ["/pause"] }, token),
            _images.ImportDirectoryAsync(busyboxRoot, NodeImages.Busybox, new OciImageConfig { Cmd = ["sh"] }, token));
        StartupTime = clock.Elapsed;
    }

    internal void Track(NodePod pod) => _pods[pod] = true;

    internal void Untrack(NodePod pod) => _pods.TryRemove(pod, out _);

    private void RemoveEmptyHostDirectories()
    {
        foreach (var directory in HostDirectories.Except(_hostDirectoriesInUse).Where(System.IO.Directory.Exists))
        {
            try
            {
                System.IO.Directory.Delete(directory);
            }
            catch (IOException)
            {
                // Not empty: someone else's containerd or CNI uses it now.
                continue;
            }
        }
    }

    private static void CheckPrerequisites()
    {
        var missing = RequiredFiles.Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
        {
            throw new NodeSetupException($"missing {string.Join(", ", missing)}: run hack/install-deps.sh (packages containerd, runc, containernetworking-plugins)");
        }

        if (Environment.UserName != "root")
        {
            throw new NodeSetupException("the node harness runs containerd and mounts filesystems: run the tests as root");
        }
    }

    private static string FindHostIp() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback && !n.Name.StartsWith("cryo-", StringComparison.Ordinal))
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)?.ToString() ?? "127.0.0.1";

    private static string CreateCaCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kubernetes", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        return certificate.ExportCertificatePem() + "\n";
    }

    private static InvalidOperationException NotStarted() => new("the node fixture has not started (InitializeAsync)");

    private static async Task Try(List<Exception> errors, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or AggregateException
                                      or NodeSetupException or CriException or UnauthorizedAccessException or InvalidOperationException)
        {
            errors.Add(e);
        }
    }
}
