using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;

namespace Cryo.Agent.Store;

/// <summary>
/// A checkpoint being written: a private temporary directory under <c>&lt;root&gt;/.tmp</c> with the
/// final layout (<c>images/</c>, <c>logs/</c>). It becomes a checkpoint only through
/// <see cref="ImageStore.CommitAsync"/>; disposing it uncommitted removes it.
/// </summary>
public sealed class PendingCheckpoint : IDisposable
{
    private readonly ImageStore store;

    internal PendingCheckpoint(ImageStore store, CheckpointKey key, string directory)
    {
        this.store = store;
        Key = key;
        Directory = directory;
        ImagesDirectory = Path.Combine(directory, StorePaths.ImagesDirectoryName);
        LogsDirectory = Path.Combine(directory, StorePaths.LogsDirectoryName);
        PageIndexPath = Path.Combine(directory, StorePaths.PageIndexFileName);
    }

    /// <summary>The checkpoint's key.</summary>
    public CheckpointKey Key { get; }

    /// <summary>The temporary directory (mode 0700).</summary>
    public string Directory { get; }

    /// <summary>Where CRIU writes its images (<c>-D</c>); mode 0700.</summary>
    public string ImagesDirectory { get; }

    /// <summary>The page index (the hash of every page the checkpoint resolves), beside the manifest.</summary>
    public string PageIndexPath { get; }

    /// <summary>Where logs go; mode 0700.</summary>
    public string LogsDirectory { get; }

    /// <summary>
    /// Resolves a manifest path (relative, '/'-separated) to a file of this pending checkpoint.
    /// </summary>
    /// <exception cref="StorePathEscapeException">The path leaves the checkpoint directory.</exception>
    public string ResolveFile(string relativePath) =>
        new StorePaths(Directory).Inside(Directory, relativePath);

    /// <summary>Whether <see cref="ImageStore.CommitAsync"/> succeeded.</summary>
    public bool IsCommitted => State == PendingState.Committed;

    internal PendingState State { get; set; }

    /// <summary>
    /// Starts hashing <see cref="ImagesDirectory"/> while CRIU writes it; the result's paths are relative to
    /// the checkpoint directory (<c>images/pages-1.img</c>), ready for <see cref="CheckpointManifest.Files"/>.
    /// </summary>
    public GrowingFileHasher StartHashingImages(CancellationToken cancellationToken, GrowingFileHasherOptions? options = null) =>
        GrowingFileHasher.Start(ImagesDirectory, Directory, cancellationToken, options);

    /// <summary>
    /// Writes <paramref name="index"/> to <see cref="PageIndexPath"/>, hashing it as it is written: its manifest entry, which
    /// the commit takes as it is, so that the index (~4 MiB for 512 MiB of memory) is not read back. Written in place: the
    /// pending directory is this checkpoint's alone, and a failure abandons it whole.
    /// </summary>
    /// <remarks>
    /// Listed by its pages' digests (<see cref="DigestAlgorithms.Sha256OfPages"/>), as pages images are: those go to
    /// <c>libcryo-sha256</c> four pages at a time, 2.9 GB per CPU-second against 1.6 for one SHA-256 stream of the whole
    /// file through OpenSSL (<c>hack/bench.sh agent --only hashing</c>), and the commit waits for this hash.
    /// </remarks>
    public ManifestFile WritePageIndex(PageHashIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        using var file = OwnerOnlyFile.Create(PageIndexPath, FileMode.Create, bufferSize: 0);
        using var hashing = new ChunkHashingStream(file, ChunkedSha256.DefaultChunkSize, DigestAlgorithms.Sha256OfPages);
        index.WriteTo(hashing);
        return hashing.Entry(StorePaths.PageIndexFileName);
    }

    /// <summary>
    /// Points <c>images/parent</c> at <paramref name="parent"/>'s images as seen from the committed checkpoint: the link
    /// CRIU follows for the pages an increment keeps in its parent. A link already there (CRIU's own, as seen from
    /// where it wrote; one an interrupted pull left) is replaced.
    /// </summary>
    public void LinkParent(CheckpointKey parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        var link = Path.Combine(ImagesDirectory, CriuImageFiles.ParentLink);
        if (new FileInfo(link).LinkTarget is not null || File.Exists(link))
        {
            File.Delete(link);
        }

        File.CreateSymbolicLink(link, ManifestIncrement.ParentLinkTarget(parent));
    }

    /// <summary>Removes the temporary directory unless the checkpoint was committed.</summary>
    public void Dispose()
    {
        if (State == PendingState.Open)
        {
            store.Abandon(this);
        }
    }

    internal bool BelongsTo(ImageStore candidate) => ReferenceEquals(store, candidate);

    /// <summary>Lifecycle of a pending checkpoint.</summary>
    internal enum PendingState
    {
        Open,
        Committing,
        Committed,
        Abandoned,
    }
}
