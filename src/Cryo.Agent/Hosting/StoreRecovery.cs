using Cryo.Agent.Store;

namespace Cryo.Agent.Hosting;

/// <summary>
/// At start, removes what a killed agent left in the store's temporary area (half-written checkpoints,
/// half-finished deletes), so the store never holds an uncommitted checkpoint for long.
/// </summary>
public sealed class StoreRecovery(ImageStore store, ILogger<StoreRecovery> logger) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var removed = store.RecoverAbandoned();
        if (removed > 0)
        {
            logger.LogWarning("removed {Count} abandoned temporary entries from the store {Root}", removed, store.RootDirectory);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
