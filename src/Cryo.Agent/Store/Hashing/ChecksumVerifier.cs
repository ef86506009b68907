namespace Cryo.Agent.Store;

/// <summary>
/// Checks a stored checkpoint against its manifest before it is restored. <see cref="VerifyStructure"/>
/// (every listed file present with its size) is instant and runs first; <see cref="VerifyContentAsync(StoredCheckpoint, CancellationToken, int)"/>
/// hashes every file and can run beside a CRIU restore, gating the restored tree's resumption.
/// Files present but not listed are ignored: restore runs may add logs.
/// </summary>
public static class ChecksumVerifier
{
    /// <summary>How many files are hashed at once unless told otherwise: two cores here, one for CRIU.</summary>
    public const int DefaultParallelism = 2;

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
            var info = new FileInfo(Resolve(checkpoint, entry));
            if (!info.Exists)
            {
                throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.Missing, "listed in the manifest but not found");
            }

            if (info.Length != entry.Size)
            {
                throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.SizeDiffers, $"manifest says {entry.Size} bytes, file has {info.Length}");
            }
        }
    }

    /// <summary>
    /// Hashes every listed file (largest first, <paramref name="parallelism"/> at a time) and compares
    /// sizes and SHA-256 with the manifest. Stops at the first mismatch.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">A file's content differs, naming the file.</exception>
    public static Task VerifyContentAsync(StoredCheckpoint checkpoint, CancellationToken cancellationToken, int parallelism = DefaultParallelism) =>
        VerifyContentAsync(checkpoint, _ => true, cancellationToken, parallelism);

    /// <summary>Like <see cref="VerifyContentAsync(StoredCheckpoint, CancellationToken, int)"/>, for the listed files <paramref name="include"/> selects.</summary>
    /// <exception cref="CheckpointCorruptedException">A file's content differs, naming the file.</exception>
    public static async Task VerifyContentAsync(StoredCheckpoint checkpoint, Func<ManifestFile, bool> include, CancellationToken cancellationToken, int parallelism = DefaultParallelism)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(include);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var manifest = checkpoint.Manifest;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(manifest.Files.Where(include).OrderByDescending(entry => entry.Size), parallel, async (entry, token) =>
        {
            var path = Resolve(checkpoint, entry);
            FileDigest actual;
            try
            {
                actual = await FileDigest.ComputeAsync(path, token);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.Missing, "listed in the manifest but not found");
            }

            if (actual.Size != entry.Size)
            {
                throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.SizeDiffers, $"manifest says {entry.Size} bytes, file has {actual.Size}");
            }

            if (!string.Equals(actual.Sha256, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.Sha256Differs, $"manifest says {entry.Sha256}, file has {actual.Sha256}");
            }
        });
    }

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
