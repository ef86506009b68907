using Microsoft.Extensions.Options;

namespace Cryo.Agent.Hosting;

/// <summary>
/// Prepares the socket path just before Kestrel binds it (removing a stale socket) and narrows the new
/// socket to mode 0600 as soon as Kestrel has created it (with the process umask).
/// </summary>
public sealed class UnixSocketLifecycle(IOptions<AgentOptions> options) : IHostedLifecycleService
{
    private string SocketPath => options.Value.SocketPath;

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(SocketPath))
        {
            UnixSocketFile.PrepareForBind(SocketPath);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(SocketPath))
        {
            UnixSocketFile.Restrict(SocketPath);
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
        if (!string.IsNullOrEmpty(SocketPath) && File.Exists(SocketPath))
        {
            File.Delete(SocketPath);
        }

        return Task.CompletedTask;
    }
}
