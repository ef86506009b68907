using Cryo.Agent.Containers;
using Cryo.Agent.Store;

namespace Cryo.Agent.Recovery;

/// <summary>
/// At start, removes what a killed agent left in the store's temporary area (half-written checkpoints,
/// half-finished deletes), so the store never holds an uncommitted checkpoint for long. Before that, it
/// gives back the workload of each dump that died with the agent (<see cref="InterruptedDumpRecovery"/>):
/// a CRIU still dumping is killed, a network lock removed, a tree left frozen thawed — from the
/// <see cref="DumpRecoveryRecord"/> the dump wrote before it began.
/// </summary>
public sealed class StoreRecovery(ImageStore store, ProcFs procFs, ILogger<StoreRecovery> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RecoverInterruptedDumpsAsync(cancellationToken);
        var removed = store.RecoverAbandoned();
        if (removed > 0)
        {
            logger.LogWarning("removed {Count} abandoned temporary entries from the store {Root}", removed, store.RootDirectory);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task RecoverInterruptedDumpsAsync(CancellationToken cancellationToken)
    {
        var recovery = new InterruptedDumpRecovery(procFs, logger);
        foreach (var directory in store.ListAbandoned())
        {
            DumpRecoveryRecord? record;
            try
            {
                record = DumpRecoveryRecord.Read(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                logger.LogError(e, "interrupted dump in {Directory}: cannot read its recovery record; its tree may stay frozen, or its TCP connections blocked", directory);
                record = null;
            }
            // Also without a record: a CRIU still dumping into the directory is ended either way.
            await recovery.RecoverAsync(directory, record, cancellationToken);
        }
    }
}
