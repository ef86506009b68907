using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Store;

/// <summary>
/// When the flat copies increments keep (<see cref="ManifestFlatCopy"/>) go: a chain keeps one, its newest increment's, and
/// the volume keeps none while it is short of room. They are caches of what the chain already holds, so removing one never
/// loses a checkpoint: a restore then reads the chain.
/// </summary>
public static class FlatCopies
{
    /// <summary>Whether the store's volume has at least <paramref name="minFreePercent"/> percent free.</summary>
    public static bool HasRoom(ImageStore store, int minFreePercent)
    {
        ArgumentNullException.ThrowIfNull(store);
        var space = store.GetSpace();
        return space.TotalBytes > 0 && space.AvailableBytes * 100.0 / space.TotalBytes >= minFreePercent;
    }

    /// <summary>
    /// Removes the copies of <paramref name="increment"/>'s parents, which its own supersedes: what they hold is the chain as
    /// it was at an older checkpoint. A chain that cannot be followed (a parent gone) is left to the restore that finds it.
    /// </summary>
    /// <returns>How many copies were removed.</returns>
    public static int DropAncestors(ImageStore store, StoredCheckpoint increment, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(increment);
        ArgumentNullException.ThrowIfNull(logger);
        try
        {
            return CheckpointChain.Of(store, increment).Skip(1).Count(parent => Drop(store, parent, "a newer increment of its chain committed", logger));
        }
        catch (CheckpointStoreException e)
        {
            logger.LogWarning("the chain of {Checkpoint} cannot be followed ({Reason}); the flat copies of its parents stay", increment, e.Message);
            return 0;
        }
    }

    /// <summary>Removes every copy in the store: the volume is short of room.</summary>
    /// <returns>How many copies were removed.</returns>
    public static int DropAll(ImageStore store, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(logger);
        return store.List().Count(checkpoint => Directory.Exists(checkpoint.FlatCopyDirectory)
                                                && Drop(store, checkpoint, "the volume is short of free space", logger));
    }

    private static bool Drop(ImageStore store, StoredCheckpoint checkpoint, string why, ILogger logger)
    {
        if (!store.DropFlatCopy(checkpoint, logger))
        {
            return false;
        }
        logger.LogInformation("removed the flat copy of {Checkpoint}: {Why}; its restores read the chain", checkpoint, why);
        return true;
    }
}
