using System.Diagnostics;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Compression;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;
using ZstdSharp;

namespace Cryo.Agent.Restoring;

/// <summary>
/// What CRIU reads when a chain holds page images compressed at rest: a scratch copy of the chain's images directories
/// on the store's filesystem, one per level, in which every compressed page image is decompressed under CRIU's own
/// name and every other file is a hard link to the committed one, and each level's <c>parent</c> link leads to the next
/// level's copy. The committed checkpoints are only read. CRIU reads page images with <c>pread</c> at offsets of its
/// choosing (an increment's parent runs jump between levels), so they cannot be streamed through a pipe: they are
/// decompressed whole before CRIU starts, and the copy is removed once CRIU is done with it.
/// </summary>
internal sealed class DecompressedChain : IDisposable
{
    private const int BufferSize = 1024 * 1024;

    private readonly StoreScratch scratch;

    private DecompressedChain(StoreScratch scratch, TimeSpan duration)
    {
        this.scratch = scratch;
        Duration = duration;
    }

    /// <summary>The images directory of the restored checkpoint's copy: what CRIU's <c>-D</c> names.</summary>
    public string ImagesDirectory => LevelDirectory(scratch.Directory, 0);

    /// <summary>How long the decompression took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Whether any level of <paramref name="chain"/> holds a compressed file.</summary>
    public static bool IsNeeded(IReadOnlyList<StoredCheckpoint> chain) =>
        chain.Any(level => level.Manifest.Files.Any(file => file.Compression is not null));

    /// <summary>Whether <paramref name="file"/> is one this copy checks while decompressing it (so a restore need not hash it again).</summary>
    public static bool IsVerifiedHere(ManifestFile file) => file.Compression is not null;

    /// <summary>
    /// Decompresses every compressed file of <paramref name="chain"/> (child first) into a scratch directory of
    /// <paramref name="store"/>, checking each against its manifest digests as it is read.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">A compressed file differs from its manifest or is not a valid zstd frame; names the file (and the byte range).</exception>
    public static async Task<DecompressedChain> CreateAsync(ImageStore store, IReadOnlyList<StoredCheckpoint> chain, int parallelism, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(chain);
        var started = Stopwatch.GetTimestamp();
        var scratch = store.BeginScratch(chain[0].Key, "decompressed");
        try
        {
            var work = new List<(StoredCheckpoint Level, ManifestFile Entry, string Target)>();
            for (var i = 0; i < chain.Count; i++)
            {
                var level = chain[i];
                var directory = LevelDirectory(scratch.Directory, i);
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                var compressed = level.Manifest.Files
                    .Where(IsVerifiedHere)
                    .ToDictionary(file => file.Path, StringComparer.Ordinal);
                foreach (var source in Directory.EnumerateFileSystemEntries(level.ImagesDirectory))
                {
                    var name = Path.GetFileName(source);
                    if (name == CriuImageFiles.ParentLink)
                    {
                        // The chain was checked: this level's link leads to the next level.
                        File.CreateSymbolicLink(Path.Combine(directory, name),
                            i + 1 < chain.Count ? Path.Combine("..", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)) : source);
                    }
                    else if (compressed.TryGetValue(StorePaths.ImagesDirectoryName + "/" + name, out var entry))
                    {
                        work.Add((level, entry, Path.Combine(directory, ImageCompression.PlainName(name))));
                    }
                    else
                    {
                        // A hard link, not a symbolic one: CRIU opens some images after it has moved into the restored
                        // tree's root, where an absolute link target no longer leads anywhere. The scratch directory is
                        // on the store's filesystem, so the link always can be made.
                        Filesystem.NativeMethods.HardLink(source, Path.Combine(directory, name));
                    }
                }
            }

            // Largest first, so the longest file does not start last.
            await Parallel.ForEachAsync(work.OrderByDescending(item => item.Entry.PlainSize),
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                (item, token) => DecompressAsync(item.Level, item.Entry, item.Target, token));
            return new DecompressedChain(scratch, Stopwatch.GetElapsedTime(started));
        }
        catch
        {
            scratch.Dispose();
            throw;
        }
    }

    /// <summary>Removes the copy.</summary>
    public void Dispose() => scratch.Dispose();

    private static string LevelDirectory(string root, int level) =>
        Path.Combine(root, level.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static async ValueTask DecompressAsync(StoredCheckpoint level, ManifestFile entry, string target, CancellationToken cancellationToken)
    {
        string failure;
        try
        {
            Decompress(level, entry, target, cancellationToken);
            return;
        }
        catch (ZstdException e)
        {
            failure = e.Message;
        }
        // The digests decide first where they can say which bytes differ.
        await ChecksumVerifier.VerifyContentAsync(level, file => file == entry, cancellationToken, parallelism: 1);
        throw new CheckpointCorruptedException(level.Key, entry.Path, CorruptionKind.InvalidEntry, $"zstd cannot decompress it: {failure}");
    }

    private static void Decompress(StoredCheckpoint level, ManifestFile entry, string target, CancellationToken cancellationToken)
    {
        using var input = new VerifyingReadStream(
            new FileStream(level.ResolveFile(entry.Path), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan), level.Key, entry);
        using (var output = OwnerOnlyFile.Create(target, FileMode.CreateNew, bufferSize: 0))
        using (var zstd = new DecompressionStream(input, BufferSize, checkEndOfStream: true, leaveOpen: true))
        {
            var buffer = new byte[BufferSize];
            int read;
            while ((read = zstd.Read(buffer)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                output.Write(buffer.AsSpan(0, read));
            }
            if (output.Length != entry.PlainSize)
            {
                throw new CheckpointCorruptedException(level.Key, entry.Path, CorruptionKind.SizeDiffers,
                    $"manifest says it decompresses to {entry.PlainSize} bytes, it gave {output.Length}");
            }
        }
        // What the decoder did not need must still be what the manifest lists.
        input.CopyTo(Stream.Null);
    }
}
