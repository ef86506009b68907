namespace Cryo.Agent.Store;

/// <summary>A scratch directory in the store's temporary area (<see cref="ImageStore.BeginScratch"/>); disposing removes it.</summary>
public sealed class StoreScratch : IDisposable
{
    private readonly ImageStore store;
    private int disposed;

    internal StoreScratch(ImageStore store, string directory)
    {
        this.store = store;
        Directory = directory;
    }

    /// <summary>The directory (mode 0700), absolute.</summary>
    public string Directory { get; }

    /// <summary>
    /// Removes the directory on a worker thread, for a caller that is done with it and should not wait: unlinking a
    /// gigabyte of images took 0.6-0.7 s on this project's loaded VM (<see cref="ImageStore.RemovalsBesideDoneAsync"/> waits
    /// for it). A failure is logged; the store's next start removes what is left.
    /// </summary>
    public void DisposeBeside(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        store.TrackRemovalBeside(Task.Run(() =>
        {
            try
            {
                Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("could not remove the scratch directory {Directory} ({Error}); the store's next start removes it", Directory, e.Message);
            }
        }, CancellationToken.None));
    }

    /// <summary>Removes the directory and everything in it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            store.EndScratch(this);
        }
    }
}
