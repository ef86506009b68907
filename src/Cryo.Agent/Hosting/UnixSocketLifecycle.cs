using Cryo.Agent.Csi;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Hosting;

/// <summary>
/// Prepares the socket paths just before Kestrel binds them (removing a stale socket) and narrows the new
/// sockets to mode 0600 as soon as Kestrel has created them (with the process umask): the agent's own, and the CSI
/// driver's two when it is enabled (the kubelet, root, is their only caller).
/// </summary>
public sealed class UnixSocketLifecycle(IOptions<AgentOptions> options, IOptions<CsiOptions> csi) : IHostedLifecycleService
{
    private IEnumerable<(string Path, string Setting)> Sockets =>
        new[] { (options.Value.SocketPath, "Agent:SocketPath (--socket)") }
            .Concat(csi.Value.Enabled
                ? [(csi.Value.SocketPath, "Csi:SocketPath"), (csi.Value.RegistrationSocketPath, "Csi:RegistrationSocketPath")]
                : [])
            .Where(s => !string.IsNullOrEmpty(s.Item1));

    private IEnumerable<string> SocketPaths => Sockets.Select(s => s.Path);

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var (path, setting) in Sockets)
        {
            UnixSocketFile.PrepareForBind(path, setting);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        foreach (var path in SocketPaths)
        {
            UnixSocketFile.Restrict(path);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        // Leave no socket behind for the next agent to mistake for a live one.
        // The kubelet's plugin watcher deregisters the driver when its registration socket goes.
        foreach (var path in SocketPaths.Where(File.Exists))
        {
            File.Delete(path);
        }

        return Task.CompletedTask;
    }
}
