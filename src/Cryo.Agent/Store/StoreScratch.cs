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

    /// <summary>Removes the directory and everything in it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            store.EndScratch(this);
        }
    }
}
