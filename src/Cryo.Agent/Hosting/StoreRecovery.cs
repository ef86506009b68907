using Cryo.Agent.Checkpointing;
using Cryo.Agent.Store;

namespace Cryo.Agent.Hosting;

/// <summary>
/// At start, removes what a killed agent left in the store's temporary area (half-written checkpoints,
/// half-finished deletes), so the store never holds an uncommitted checkpoint for long. Before that, it
/// removes the network lock of each <c>--tcp-established</c> dump that died with the agent: the
/// workload kept running, but its TCP connections stay blocked until the lock is gone.
/// </summary>
public sealed class StoreRecovery(ImageStore store, ILogger<StoreRecovery> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReleaseNetworkLocksAsync(cancellationToken);
        var removed = store.RecoverAbandoned();
        if (removed > 0)
        {
            logger.LogWarning("removed {Count} abandoned temporary entries from the store {Root}", removed, store.RootDirectory);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ReleaseNetworkLocksAsync(CancellationToken cancellationToken)
    {
        var release = new NetworkLockRelease(logger);
        foreach (var directory in store.ListAbandoned())
        {
            DumpRecoveryRecord? record;
            try
            {
                record = DumpRecoveryRecord.Read(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                logger.LogError(e, "interrupted dump in {Directory}: cannot read its recovery record; if it used tcpEstablished, its tree's TCP connections may stay blocked", directory);
                continue;
            }
            if (record?.NetworkLock is { } networkLock)
            {
                // A failure is logged by the release, with the command that removes the lock by hand.
                await release.ReleaseAsync(networkLock, $"interrupted dump in {directory}", cancellationToken);
            }
        }
    }
}
