using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Restoring;

/// <summary>
/// What CRIU reads when it restores an increment that keeps its flat copy (<see cref="ManifestFlatCopy"/>): a scratch
/// directory of the store holding hard links to the copy's pagemaps and pages images (CRIU's full dump) and to the
/// increment's other images, without the <c>parent</c> link. CRIU restores that as a full checkpoint, its restorer reading
/// the pages, instead of every run of pages through the chain. Links, not copies: made in microseconds, and a copy removed
/// meanwhile (a newer increment committed) stays readable through them until the restore is done.
/// </summary>
internal sealed class KeptFlatCopy : IDisposable
{
    private readonly StoreScratch scratch;
    private readonly ManifestFlatCopy record;

    private KeptFlatCopy(StoreScratch scratch, ManifestFlatCopy record)
    {
        this.scratch = scratch;
        this.record = record;
    }

    /// <summary>The images directory CRIU's <c>-D</c> names.</summary>
    public string ImagesDirectory => scratch.Directory;

    /// <summary>Bytes of the copy's pagemaps and pages images.</summary>
    public long Bytes => record.Bytes;

    /// <summary>
    /// Links the flat copy <paramref name="checkpoint"/> keeps into a scratch directory of <paramref name="store"/>; null when it
    /// keeps none (a full checkpoint, CRIU's own increment, a copy not kept or removed since).
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">A file of the copy has another size than its record says; the copy is dropped (the chain holds the same memory).</exception>
    public static KeptFlatCopy? Open(ImageStore store, StoredCheckpoint checkpoint, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Manifest.FlatCopy is not { Files.Count: > 0 } record || !checkpoint.HasFlatCopy)
        {
            return null;
        }
        var scratch = store.BeginScratch(checkpoint.Key, "kept-flat");
        try
        {
            foreach (var file in record.Files)
            {
                var source = checkpoint.ResolveFile(file.Path);
                var target = Path.Combine(scratch.Directory, Path.GetFileName(file.Path));
                try
                {
                    Filesystem.NativeMethods.HardLink(source, target);
                }
                catch (IOException) when (!File.Exists(source))
                {
                    // Removed between the look and the link: a newer increment committed. The chain has it all.
                    scratch.Dispose();
                    return null;
                }
                var length = new FileInfo(target).Length;
                if (length != file.Size)
                {
                    throw new CheckpointCorruptedException(checkpoint.Key, file.Path, CorruptionKind.SizeDiffers,
                        $"the flat copy's record says {file.Size} bytes, the file has {length}");
                }
            }
            ImageLinks.LinkAllBut(checkpoint.ImagesDirectory, scratch.Directory, record.Replaces);
            return new KeptFlatCopy(scratch, record);
        }
        catch (Exception e)
        {
            scratch.Dispose();
            if (e is CheckpointCorruptedException)
            {
                store.DropFlatCopy(checkpoint, logger);
            }
            throw;
        }
    }

    /// <summary>
    /// The files of <paramref name="checkpoint"/> a restore from the copy reads, to verify beside CRIU: the copy's, and every
    /// file of the checkpoint but the images the copy replaces. The parents' files are not read, so not verified.
    /// </summary>
    public IEnumerable<ManifestFile> FilesRead(StoredCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var images = StorePaths.ImagesDirectoryName + "/";
        return checkpoint.Manifest.Files
            .Where(file => !(file.Path.StartsWith(images, StringComparison.Ordinal) && record.Replaces(file.Path[images.Length..])))
            .Concat(record.Files);
    }

    /// <summary>Removes the links (the copy itself stays).</summary>
    public void Dispose() => scratch.Dispose();
}
