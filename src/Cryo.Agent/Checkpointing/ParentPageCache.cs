using Cryo.Agent.Store;
using Cryo.Criu.Images;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// Before a stopped increment's dump made by content (a precopy Migration's final checkpoint where the kernel has no
/// soft-dirty tracking), drops the parent's pages images from the page cache. The parent's pages are not read again on
/// this node (the rewrite reads its page index; the target holds its own copy), and the memory they free is what the
/// dump then writes its gigabyte of pages into. On this project's VMs that
/// matters more than it seems: memory the guest has not touched lately is given back to the host (free page reporting),
/// and the first write to it costs about 5x (faulting 1 GiB took 2.5-3.0 s of CPU against 0.5 s for memory freed
/// moments before), so a final dump that comes right after the live dump and its pull, which took the recently freed
/// memory, spent 2-3x the CPU in CRIU's copy of the pages into the page cache. Clean pages go at once; dirty ones are
/// only queued for writeback. Done before the freeze, so its few tens of milliseconds are not downtime.
/// </summary>
internal static class ParentPageCache
{
    /// <summary>Drops the cached pages of <paramref name="parent"/>'s pages images (its own and its flat copy's); returns how many files were advised.</summary>
    public static int Release(StoredCheckpoint parent, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(logger);
        var released = 0;
        foreach (var directory in new[] { parent.ImagesDirectory, parent.FlatCopyDirectory }.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(directory).Where(f => CriuImageFiles.IsPagesImage(Path.GetFileName(f))))
            {
                if (NativeMethods.DropCachedPages(file))
                {
                    released++;
                }
                else
                {
                    logger.LogDebug("could not drop the cached pages of {File}; the dump runs all the same", file);
                }
            }
        }
        return released;
    }
}
