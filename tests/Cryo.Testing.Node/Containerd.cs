using System.Diagnostics;
using System.Globalization;

namespace Cryo.Testing.Node;

/// <summary>
/// A containerd of the test run's own (Debian's package binary, not its service): config, root, state, sockets and
/// log in one directory, so it never meets a containerd running on the default socket. Started once per test run.
/// </summary>
public sealed class Containerd
{
    private const string ShimName = "containerd-shim-runc-v2";

    private readonly Process _process;

    private Containerd(string directory, Process process)
    {
        Directory = directory;
        _process = process;
    }

    /// <summary>The directory holding everything of this containerd.</summary>
    public string Directory { get; }

    /// <summary>The gRPC (and CRI) socket.</summary>
    public string Address => SocketPath(Directory);

    /// <summary>containerd's <c>root</c> (content store, snapshots, metadata).</summary>
    public string RootDirectory => Path.Combine(Directory, "root");

    /// <summary>containerd's <c>state</c> (task bundles, sandbox files, netns mounts, runc's root).</summary>
    public string StateDirectory => Path.Combine(Directory, "state");

    /// <summary>
    /// Where containerd puts the bundle of a task in the CRI's namespace: <c>&lt;this&gt;/&lt;id&gt;/rootfs</c> is the container's
    /// root filesystem (on a default node, <c>/run/containerd/io.containerd.runtime.v2.task/k8s.io</c>).
    /// </summary>
    public string TaskDirectory => Path.Combine(StateDirectory, "io.containerd.runtime.v2.task", "k8s.io");

    /// <summary>The CRI plugin's sandbox directories (<c>&lt;this&gt;/&lt;sandbox id&gt;/shm</c>…) under state.</summary>
    public string SandboxStateDirectory => Path.Combine(StateDirectory, "io.containerd.grpc.v1.cri", "sandboxes");

    /// <summary>The CRI plugin's sandbox files under root (<c>&lt;this&gt;/&lt;sandbox id&gt;/hostname</c>, <c>resolv.conf</c>, <c>hosts</c>).</summary>
    public string SandboxRootDirectory => Path.Combine(RootDirectory, "io.containerd.grpc.v1.cri", "sandboxes");

    /// <summary>containerd's own log (stdout and stderr).</summary>
    public string LogPath => Path.Combine(Directory, "containerd.log");

    /// <summary>containerd's PID.</summary>
    public int Pid => _process.Id;

    /// <summary>The socket path for a containerd directory.</summary>
    public static string SocketPath(string directory) => Path.Combine(directory, "containerd.sock");

    /// <summary>Writes the configuration and starts containerd; it is not ready before <see cref="WaitUntilReadyAsync"/>.</summary>
    public static Containerd Start(string directory, string cniConfDirectory, string sandboxImage)
    {
        System.IO.Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "config.toml");
        File.WriteAllText(config, ContainerdConfig.Render(directory, SocketPath(directory), cniConfDirectory, sandboxImage));
        // Through sh so that containerd's output goes straight to a file: nothing to pump, and the log survives the test host.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var arg in new[] { "-c", "exec containerd --config \"$1\" >>\"$2\" 2>&1 </dev/null", "sh", config, Path.Combine(directory, "containerd.log") })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new NodeSetupException("could not start containerd");
        File.WriteAllText(Path.Combine(directory, "containerd.pid"), process.Id.ToString(CultureInfo.InvariantCulture));
        return new Containerd(directory, process);
    }

    /// <summary>Waits until the CRI reports the runtime and the network ready (the CNI configuration is loaded).</summary>
    /// <exception cref="NodeSetupException">containerd exited, or was not ready in time; the message has its log.</exception>
    public async Task WaitUntilReadyAsync(CriClient cri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cri);
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer yet";
        while (true)
        {
            if (_process.HasExited)
            {
                throw new NodeSetupException($"containerd exited with {_process.ExitCode} before its CRI was ready:\n{LogTail()}");
            }

            try
            {
                var status = await cri.Runtime.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                var notReady = status.Status.Conditions.Where(c => !c.Status).ToList();
                if (notReady.Count == 0 && status.Status.Conditions.Count > 0)
                {
                    return;
                }

                last = string.Join("; ", notReady.Select(c => $"{c.Type} false: {c.Reason} {c.Message}"));
            }
            catch (global::Grpc.Core.RpcException e)
            {
                last = $"{e.StatusCode}: {e.Status.Detail}";
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new NodeSetupException($"containerd's CRI was not ready within {timeout.TotalSeconds:0} s ({last}):\n{LogTail()}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>The last lines of containerd's log, for error messages.</summary>
    public string LogTail(int lines = 30)
    {
        try
        {
            var all = File.ReadAllLines(LogPath);
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            // No log yet: nothing to add.
            return "";
        }
    }

    /// <summary>Stops containerd (SIGTERM, SIGKILL after <paramref name="grace"/>), then kills the shims it left.</summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!_process.HasExited)
        {
            _ = NativeSignal.Send(_process.Id, NativeSignal.SIGTERM);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(grace);
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _process.Kill();
                await _process.WaitForExitAsync(cancellationToken);
            }
        }

        _process.Dispose();
        await KillShimsAsync(Address, cancellationToken);
    }

    /// <summary>
    /// Kills the runc shims serving the containerd on <paramref name="address"/> (found by their <c>-address</c>
    /// argument), e.g. after that containerd died. Containers of a killed shim keep running: empty their cgroups too.
    /// </summary>
    public static async Task KillShimsAsync(string address, CancellationToken cancellationToken)
    {
        var shims = ProcessesWithArguments(ShimName, "-address", address);
        if (shims.Count > 0)
        {
            await ProcessReaper.KillAsync(shims, cancellationToken);
        }
    }

    /// <summary>PIDs of processes whose executable is named <paramref name="name"/> and whose argv holds <paramref name="flag"/> followed by <paramref name="value"/>.</summary>
    internal static IReadOnlyList<int> ProcessesWithArguments(string name, string flag, string value)
    {
        var result = new List<int>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (IOException)
            {
                // Exited while we looked.
                continue;
            }

            if (argv.Length > 0 && Path.GetFileName(argv[0]) == name
                && argv.Zip(argv.Skip(1)).Any(p => p.First == flag && p.Second == value))
            {
                result.Add(pid);
            }
        }

        return result;
    }
}
