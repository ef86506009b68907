using Cryo.Agent.Store;
using Cryo.Agent.Store.Hashing;
using Cryo.Criu.Images;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// The copy of an increment's changed pages made beside CRIU's dump (<see cref="EarlyPageCopy"/>), in a scratch directory of
/// the store (same filesystem as the pending checkpoint, outside its images, which the hasher lists): fed by the hasher,
/// finished for the rewrite, removed beside the commit. Only for increments made by content.
/// </summary>
internal sealed class EarlyChangedPages : IDisposable
{
    private readonly StoreScratch scratch;

    private EarlyChangedPages(StoreScratch scratch, EarlyPageCopy copy)
    {
        this.scratch = scratch;
        Copy = copy;
    }

    /// <summary>The copy, which the hasher feeds (<see cref="GrowingFileHasherOptions.PageDigestSink"/>).</summary>
    public EarlyPageCopy Copy { get; }

    /// <summary>Starts a copy for the pending checkpoint <paramref name="key"/>, against the parent's index being read.</summary>
    public static EarlyChangedPages Start(ImageStore store, CheckpointKey key, Task<PageHashIndex?> parentIndex, ILogger logger)
    {
        var scratch = store.BeginScratch(key, "early-pages");
        return new EarlyChangedPages(scratch, new EarlyPageCopy(scratch.Directory, parentIndex, PageDigests.Instance, logger));
    }

    /// <summary>Once the hasher completed: the prepared pages images, for the rewrite (<see cref="IncrementalRewriter.PreparedPages"/>).</summary>
    public IReadOnlyList<PreparedPagesImage> Finish(ILogger logger, CheckpointKey key)
    {
        var prepared = Copy.Finish();
        logger.LogDebug("checkpoint {Key}: {Pages} changed pages of {Images} pages images copied beside the dump in {Ms:0} ms",
            key, Copy.PagesCopied, prepared.Count, Copy.Elapsed.TotalMilliseconds);
        return prepared;
    }

    /// <summary>Removes what the rewrite did not take on a worker thread: the commit does not wait for it.</summary>
    public void DisposeBeside(ILogger logger)
    {
        Copy.Dispose();
        scratch.DisposeBeside(logger);
    }

    /// <summary>Closes the copy and removes its directory now (a failed checkpoint).</summary>
    public void Dispose()
    {
        Copy.Dispose();
        scratch.Dispose();
    }
}
