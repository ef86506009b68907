using Cryo.Agent.Store.Manifest;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// Checks a stored checkpoint against its manifest before it is restored. <see cref="VerifyStructure"/>
/// (every listed file present with its size) is instant and runs first; <see cref="VerifyContentAsync(StoredCheckpoint, CancellationToken, int)"/>
/// hashes every file (large ones chunk by chunk, two chunks at a time per thread) and can run beside a CRIU restore, gating
/// the restored tree's resumption.
/// Files present but not listed are ignored: restore runs may add logs.
/// </summary>
public static class ChecksumVerifier
{
    /// <summary>How many pieces are hashed at once unless told otherwise.</summary>
    public const int DefaultParallelism = 2;

    /// <summary>
    /// How many pieces are hashed at once beside a CRIU restore: one core fewer than there are, at least
    /// one, at most eight. CRIU's memory restore keeps one core busy; two hashing threads on two cores,
    /// even at nice 19, slowed it by 50-70 ms at 512 MiB, one at the agent's priority by ~15.
    /// </summary>
    public static readonly int BesideCriuParallelism = Math.Clamp(Environment.ProcessorCount - 1, 1, 8);

    /// <summary>Checks structure, then content.</summary>
    /// <exception cref="CheckpointCorruptedException">A file is missing, has another size or another SHA-256; the exception names it.</exception>
    /// <exception cref="InvalidManifestException">The manifest cannot be read.</exception>
    public static async Task VerifyAsync(StoredCheckpoint checkpoint, CancellationToken cancellationToken, int parallelism = DefaultParallelism)
    {
        VerifyStructure(checkpoint);
        await VerifyContentAsync(checkpoint, cancellationToken, parallelism);
    }

    /// <summary>
    /// Checks that the manifest lists files, that every listed path stays inside the checkpoint, and that
    /// every listed file exists with the listed size. Reads no content.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">The first problem found, naming the file.</exception>
    /// <exception cref="InvalidManifestException">The manifest cannot be read.</exception>
    public static void VerifyStructure(StoredCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var manifest = checkpoint.Manifest;
        if (manifest.Files.Count == 0)
        {
            throw new CheckpointCorruptedException(checkpoint.Key, CheckpointManifest.FileName, CorruptionKind.InvalidEntry, "the manifest lists no files");
        }

        foreach (var entry in manifest.Files)
        {
            _ = Ranges(checkpoint, entry);
            var info = new FileInfo(Resolve(checkpoint, entry));
            if (!info.Exists)
            {
                throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.Missing, "listed in the manifest but not found");
            }

            if (info.Length != entry.Size)
            {
                throw SizeDiffers(checkpoint, entry, info.Length);
            }
        }
    }

    /// <summary>
    /// Hashes every listed file, chunk by chunk for files listed in chunks (largest pieces first,
    /// <paramref name="parallelism"/> at a time), and compares sizes and SHA-256 with the manifest. Stops at
    /// the first mismatch.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">A file's content differs, naming the file.</exception>
    public static Task VerifyContentAsync(StoredCheckpoint checkpoint, CancellationToken cancellationToken, int parallelism = DefaultParallelism) =>
        VerifyContentAsync(checkpoint, _ => true, cancellationToken, parallelism);

    /// <summary>Like <see cref="VerifyContentAsync(StoredCheckpoint, CancellationToken, int)"/>, for the listed files <paramref name="include"/> selects.</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="include">Which listed files to verify.</param>
    /// <param name="cancellationToken">Stops between reads.</param>
    /// <param name="parallelism">Threads hashing at once (each takes two equally long pieces at a time where it can).</param>
    /// <exception cref="CheckpointCorruptedException">A file's content differs, naming the file.</exception>
    public static Task VerifyContentAsync(StoredCheckpoint checkpoint, Func<ManifestFile, bool> include, CancellationToken cancellationToken,
        int parallelism = DefaultParallelism)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(include);
        return VerifyContentAsync(checkpoint, checkpoint.Manifest.Files.Where(include), cancellationToken, parallelism);
    }

    /// <summary>
    /// Like <see cref="VerifyContentAsync(StoredCheckpoint, CancellationToken, int)"/>, for the given entries of the checkpoint's
    /// files: those of its manifest a caller chose, or of its kept flat copy (<see cref="ManifestFlatCopy.Files"/>).
    /// </summary>
    /// <param name="checkpoint">The checkpoint the entries' paths are relative to.</param>
    /// <param name="files">The entries to verify.</param>
    /// <param name="cancellationToken">Stops between reads.</param>
    /// <param name="parallelism">Threads hashing at once (each takes two equally long pieces at a time where it can).</param>
    /// <exception cref="CheckpointCorruptedException">A file's content differs, naming the file.</exception>
    public static async Task VerifyContentAsync(StoredCheckpoint checkpoint, IEnumerable<ManifestFile> files, CancellationToken cancellationToken,
        int parallelism = DefaultParallelism)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var entries = files.ToList();
        var handles = new Dictionary<string, SafeFileHandle>(StringComparer.Ordinal);
        try
        {
            var pieces = new List<(ManifestFile Entry, SafeFileHandle Handle, DigestRange Range, int Count)>();
            foreach (var entry in entries)
            {
                var handle = Open(checkpoint, entry);
                handles[entry.Path] = handle;
                var length = RandomAccess.GetLength(handle);
                if (length != entry.Size)
                {
                    throw SizeDiffers(checkpoint, entry, length);
                }

                var ranges = Ranges(checkpoint, entry);
                pieces.AddRange(ranges.Select(range => (entry, handle, range, ranges.Count)));
            }

            // Largest first, so equally long chunks lie side by side and are hashed in pairs.
            pieces = [.. pieces.OrderByDescending(piece => piece.Range.Length)];
            var toHash = pieces.Select(piece => new FileRange(piece.Handle, piece.Range.Offset, piece.Range.Length, piece.Range.OfPages)).ToList();
            await ChunkedSha256.HashAllAsync(toHash, parallelism, (i, actual, hashed) =>
            {
                var piece = pieces[i];
                if (hashed != piece.Range.Length)
                {
                    throw new CheckpointCorruptedException(checkpoint.Key, piece.Entry.Path, CorruptionKind.SizeDiffers, $"manifest says {piece.Entry.Size} bytes, the file ended early{Where(piece.Entry, piece.Range, piece.Count)}");
                }

                if (!string.Equals(actual, piece.Range.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw DigestDiffers(checkpoint, piece.Entry, piece.Range, piece.Count, actual);
                }
            }, cancellationToken);
        }
        finally
        {
            foreach (var handle in handles.Values)
            {
                handle.Dispose();
            }
        }
    }

    /// <summary>
    /// Checks <paramref name="bytes"/>, read whole from the listed file <paramref name="entry"/>, against the entry: for a
    /// small file its caller parses anyway (the page index), one pass over the bytes in memory instead of a second read.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">The bytes differ from the entry, naming the file.</exception>
    public static void VerifyBytes(StoredCheckpoint checkpoint, ManifestFile entry, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(entry);
        if (bytes.Length != entry.Size)
        {
            throw SizeDiffers(checkpoint, entry, bytes.Length);
        }

        var ranges = Ranges(checkpoint, entry);
        foreach (var range in ranges)
        {
            using var hasher = RangeHasher.For(range.Algorithm);
            hasher.Append(bytes.Slice(checked((int)range.Offset), checked((int)range.Length)));
            var actual = hasher.Finish();
            if (!string.Equals(actual, range.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw DigestDiffers(checkpoint, entry, range, ranges.Count, actual);
            }
        }
    }

    private static CheckpointCorruptedException SizeDiffers(StoredCheckpoint checkpoint, ManifestFile entry, long actual) =>
        new(checkpoint.Key, entry.Path, CorruptionKind.SizeDiffers, $"manifest says {entry.Size} bytes, file has {actual}");

    private static CheckpointCorruptedException DigestDiffers(StoredCheckpoint checkpoint, ManifestFile entry, DigestRange range, int count, string actual) =>
        new(checkpoint.Key, entry.Path, CorruptionKind.Sha256Differs, $"manifest says {range.Sha256}, file has {actual}{Where(entry, range, count)}");

    // For a file listed in chunks, which bytes the message is about.
    private static string Where(ManifestFile entry, DigestRange range, int count) =>
        count == 1 ? string.Empty : $" in bytes {range.Offset}-{range.Offset + range.Length - 1} (chunk {(range.Offset / entry.ChunkSize!.Value) + 1} of {count})";

    private static SafeFileHandle Open(StoredCheckpoint checkpoint, ManifestFile entry)
    {
        try
        {
            return File.OpenHandle(Resolve(checkpoint, entry), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.Missing, "listed in the manifest but not found");
        }
    }

    private static IReadOnlyList<DigestRange> Ranges(StoredCheckpoint checkpoint, ManifestFile entry) =>
        entry.Problem() is { } problem
            ? throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.InvalidEntry, $"the manifest entry is malformed: {problem}")
            : entry.Ranges();

    private static string Resolve(StoredCheckpoint checkpoint, ManifestFile entry)
    {
        try
        {
            return checkpoint.ResolveFile(entry.Path);
        }
        catch (StorePathEscapeException)
        {
            throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.InvalidEntry, "the path leaves the checkpoint directory");
        }
    }
}
