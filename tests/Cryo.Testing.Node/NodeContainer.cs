using System.Globalization;
using System.Text.Json;

namespace Cryo.Testing.Node;

/// <summary>
/// One container instance of a <see cref="NodePod"/> (one CRI container: a restart is another instance): its
/// IDs, its init's host PID, its root filesystem, mounts and cgroup as containerd and runc made them, its CRI log,
/// and the kubelet's calls on it (status, stop, exec).
/// </summary>
public sealed class NodeContainer
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private readonly CriClient _cri;

    internal NodeContainer(CriClient cri, string podName, string name, string id, uint attempt, bool isInit, string cgroupParent,
        string bundleDirectory, string logPath, string terminationMessagePath, ContainerConfig config)
    {
        _cri = cri;
        PodName = podName;
        Name = name;
        Id = id;
        Attempt = attempt;
        IsInit = isInit;
        CgroupPath = cgroupParent + "/" + id;
        BundleDirectory = bundleDirectory;
        LogPath = logPath;
        TerminationMessagePath = terminationMessagePath;
        Config = config;
    }

    /// <summary>The pod's <c>namespace/name</c>.</summary>
    public string PodName { get; }

    /// <summary>The container's name in the pod spec.</summary>
    public string Name { get; }

    /// <summary>The CRI container ID (64 hex digits; the runc container ID and the last cgroup path component).</summary>
    public string Id { get; }

    /// <summary>The restart count this instance was created with (metadata.attempt).</summary>
    public uint Attempt { get; }

    /// <summary><see langword="true"/> for an init container.</summary>
    public bool IsInit { get; }

    /// <summary>The host PID of the container's init (PID 1 of its PID namespace), as containerd reports it once started.</summary>
    public int InitPid { get; private set; }

    /// <summary>The cgroup path in every hierarchy: <c>/kubepods/&lt;qos&gt;/pod&lt;uid&gt;/&lt;id&gt;</c>.</summary>
    public string CgroupPath { get; }

    /// <summary>The shim's bundle directory (<c>config.json</c>, <c>rootfs</c>…).</summary>
    public string BundleDirectory { get; }

    /// <summary>
    /// The host path of the container's root filesystem (the overlay containerd mounts in the bundle; on a default
    /// node <c>/run/containerd/io.containerd.runtime.v2.task/k8s.io/&lt;id&gt;/rootfs</c>).
    /// </summary>
    public string RootfsPath => Path.Combine(BundleDirectory, "rootfs");

    /// <summary>The host path of the CRI log file (<c>&lt;pod log dir&gt;/&lt;name&gt;/&lt;attempt&gt;.log</c>).</summary>
    public string LogPath { get; }

    /// <summary>The host file the kubelet bind-mounts at the container's terminationMessagePath.</summary>
    public string TerminationMessagePath { get; }

    /// <summary>The CreateContainer configuration the harness sent (command, env, the kubelet's mounts, security context…).</summary>
    public ContainerConfig Config { get; }

    /// <summary>The mounts the kubelet asked for (containerd adds /etc/hostname, /etc/resolv.conf and /dev/shm of the sandbox).</summary>
    public IReadOnlyList<Mount> Mounts => Config.Mounts;

    /// <summary>The container's cgroup directory in a hierarchy, e.g. <c>/sys/fs/cgroup/memory</c>.</summary>
    public string CgroupDirectory(string hierarchy) => hierarchy.TrimEnd('/') + CgroupPath;

    /// <summary>The parsed log so far.</summary>
    public IReadOnlyList<CriLogEntry> LogEntries => CriLog.Read(LogPath);

    /// <summary>Everything it wrote so far, both streams in order, as <c>kubectl logs</c> shows it.</summary>
    public string Log => CriLog.Text(LogEntries);

    /// <summary>What it wrote to stdout so far.</summary>
    public string Stdout => CriLog.Text(LogEntries, "stdout");

    /// <summary>What it wrote to stderr so far.</summary>
    public string Stderr => CriLog.Text(LogEntries, "stderr");

    /// <summary>The CRI ContainerStatus (state, exit code, reason, message, times, mounts).</summary>
    public async Task<ContainerStatus> StatusAsync(CancellationToken cancellationToken) =>
        (await VerboseStatusAsync(verbose: false, cancellationToken)).Status;

    /// <summary>containerd's verbose information (JSON: <c>pid</c>, <c>sandboxID</c>, <c>runtimeSpec</c>, <c>snapshotKey</c>…).</summary>
    public async Task<string> VerboseInfoAsync(CancellationToken cancellationToken) =>
        (await VerboseStatusAsync(verbose: true, cancellationToken)).Info.GetValueOrDefault("info", "{}");

    /// <summary>Waits until the container has exited; returns its final status.</summary>
    /// <exception cref="TimeoutException">It still ran after <paramref name="timeout"/>; the message shows its log.</exception>
    public async Task<ContainerStatus> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await StatusAsync(cancellationToken);
            if (status.State == ContainerState.ContainerExited)
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Describe()} did not exit within {timeout.TotalSeconds:0.#} s (state {status.State}); its log:\n{Tail(Log)}");
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    /// <summary>
    /// The kubelet's stop: StopContainer with <paramref name="gracePeriod"/> (whole seconds, as the CRI takes them):
    /// containerd sends the image's stop signal (SIGTERM), then SIGKILL when the period ends. Returns the final status.
    /// </summary>
    public async Task<ContainerStatus> StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        var seconds = (long)Math.Ceiling(gracePeriod.TotalSeconds);
        await _cri.CallAsync($"StopContainer {Describe()} (timeout {seconds} s)",
            o => _cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = Id, Timeout = seconds }, o),
            cancellationToken, CriClient.DefaultTimeout + TimeSpan.FromSeconds(seconds));
        return await StatusAsync(cancellationToken);
    }

    /// <summary>Runs a command in the container (the CRI's ExecSync, as a kubelet exec probe does) and returns what it printed.</summary>
    public async Task<ExecResult> ExecSyncAsync(IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var request = new ExecSyncRequest { ContainerId = Id, Timeout = (long)Math.Ceiling(timeout.TotalSeconds) };
        request.Cmd.AddRange(command);
        var response = await _cri.CallAsync($"ExecSync {string.Join(' ', command)} in {Describe()}",
            o => _cri.Runtime.ExecSyncAsync(request, o), cancellationToken, timeout + TimeSpan.FromSeconds(10));
        return new ExecResult(response.ExitCode, response.Stdout.ToStringUtf8(), response.Stderr.ToStringUtf8());
    }

    /// <summary>
    /// Waits until the log (both streams, as <c>kubectl logs</c> shows it) satisfies <paramref name="predicate"/>; returns it.
    /// </summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>, or the container exited first; the message shows the log and the container's state.</exception>
    public async Task<string> WaitForLogAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var log = Log;
            if (predicate(log))
            {
                return log;
            }

            var status = await StatusAsync(cancellationToken);
            if (status.State == ContainerState.ContainerExited)
            {
                // containerd has written everything once the container is reported exited: one last look.
                log = Log;
                if (predicate(log))
                {
                    return log;
                }

                throw new TimeoutException($"{Describe()} exited ({status.ExitCode}, {status.Reason}) without its log showing what was expected; its log:\n{Tail(log)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the log of {Describe()} did not show what was expected within {timeout.TotalSeconds:0.#} s (state {status.State}); it is:\n{Tail(log)}");
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    /// <summary>The container's exit status, with its log, for messages.</summary>
    public string Describe() => $"container {Name} ({Id[..Math.Min(12, Id.Length)]}, attempt {Attempt}) of pod {PodName}";

    /// <summary>Reads the init's host PID from containerd's verbose status (after StartContainer).</summary>
    internal async Task ReadInitPidAsync(CancellationToken cancellationToken)
    {
        using var info = JsonDocument.Parse(await VerboseInfoAsync(cancellationToken));
        InitPid = info.RootElement.TryGetProperty("pid", out var pid) ? pid.GetInt32() : 0;
    }

    internal static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];

    private Task<ContainerStatusResponse> VerboseStatusAsync(bool verbose, CancellationToken cancellationToken) =>
        _cri.CallAsync($"ContainerStatus {Describe()}",
            o => _cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = Id, Verbose = verbose }, o), cancellationToken);

    /// <inheritdoc />
    public override string ToString() => Describe() + (InitPid > 0 ? " pid " + InitPid.ToString(CultureInfo.InvariantCulture) : "");
}
