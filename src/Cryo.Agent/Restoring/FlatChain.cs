using System.Diagnostics;
using Cryo.Agent.Store;
using Cryo.Criu.Images;

namespace Cryo.Agent.Restoring;

/// <summary>
/// What CRIU reads when it restores an increment: the chain written out whole, as a full dump would hold it, in a scratch
/// directory of the store. Each pagemap of the increment comes with every page it leaves to a parent resolved through the
/// chain and copied into its pages image (<see cref="ImageChainFlattener"/>); every other image is a hard link to the
/// increment's own, and there is no <c>parent</c> link. Through the links CRIU reads each run of pages with a call of its
/// own and does not let its restorer read pages itself (<c>criu/pagemap.c</c>); from a full set it does both the fast way.
/// The committed chain is only read and stays as it is: an increment on disk, verified whole beside CRIU as before, so a
/// corrupt level still holds the restored tree back. The copy goes as soon as CRIU is done, removed beside the rest of the restore.
/// </summary>
internal sealed class FlatChain : IDisposable
{
    private readonly StoreScratch scratch;

    private FlatChain(StoreScratch scratch, TimeSpan duration, long pagesBytes)
    {
        this.scratch = scratch;
        Duration = duration;
        PagesBytes = pagesBytes;
    }

    /// <summary>The images directory CRIU's <c>-D</c> names.</summary>
    public string ImagesDirectory => scratch.Directory;

    /// <summary>How long writing the copy took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Bytes of page images written.</summary>
    public long PagesBytes { get; }

    /// <summary>
    /// Writes the chain whose first level is <paramref name="imagesDirectory"/> (a committed increment's images, or their
    /// decompressed copy) out whole into a scratch directory of <paramref name="store"/>, named for <paramref name="key"/>.
    /// </summary>
    /// <exception cref="CriuImageFormatException">A pagemap does not decode, or leaves a page to a parent that lacks it.</exception>
    public static FlatChain Create(ImageStore store, CheckpointKey key, string imagesDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var started = Stopwatch.GetTimestamp();
        var scratch = store.BeginScratch(key, "flat");
        try
        {
            var pagesBytes = 0L;
            using (var chain = ImageChain.Open(imagesDirectory))
            {
                foreach (var name in ImageChainFlattener.Flatten(chain, scratch.Directory, cancellationToken))
                {
                    if (CriuImageFiles.IsPagesImage(name))
                    {
                        pagesBytes += new FileInfo(Path.Combine(scratch.Directory, name)).Length;
                    }
                }
            }
            ImageLinks.LinkAllBut(imagesDirectory, scratch.Directory, name => File.Exists(Path.Combine(scratch.Directory, name)));
            return new FlatChain(scratch, Stopwatch.GetElapsedTime(started), pagesBytes);
        }
        catch
        {
            scratch.Dispose();
            throw;
        }
    }

    /// <summary>Removes the copy on a worker thread (<see cref="StoreScratch.DisposeBeside"/>): the restored tree does not wait for it.</summary>
    public void DisposeBeside(ILogger logger) => scratch.DisposeBeside(logger);

    /// <summary>Removes the copy.</summary>
    public void Dispose() => scratch.Dispose();
}
