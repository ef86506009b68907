using Cryo.Agent.Store.Hashing;
using Cryo.Criu;

namespace Cryo.Agent.Hosting;

/// <summary>
/// Refuses to start the agent with a CRIU older than <see cref="CriuVersion.Minimum"/>, saying why. A
/// missing CRIU does not stop the start: the agent then reports itself not ready (and says why), so a
/// node without CRIU is visible rather than crash-looping. Also says what hashes the images: a node that
/// hashes with OpenSSL instead of <see cref="InterleavedSha256"/> spends twice the CPU per checkpoint.
/// </summary>
public sealed class CriuStartupCheck(CriuMonitor monitor, ILogger<CriuStartupCheck> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var state = await monitor.GetStateAsync(cancellationToken);
        if (state.Capabilities is { MeetsMinimumVersion: false } caps)
        {
            throw new InvalidOperationException(
                $"refusing to start: CRIU {caps.Version} at {state.Path} is older than {CriuVersion.Minimum}, which Cryo needs " +
                "(older releases cannot dump TCP/UDP sockets on kernels ≥ 6.16). Run hack/install-criu.sh or set Agent:CriuPath (--criu).");
        }

        if (state.Capabilities is { } found)
        {
            logger.LogInformation("using CRIU {Version} at {Path} on kernel {Kernel}", found.Version, state.Path, found.KernelRelease);
        }

        logger.LogInformation("hashing checkpoint images with {Hashing}", InterleavedSha256.Description);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
