using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// The digests a commit records for a pending checkpoint's files: each one the caller supplied (hashed while
/// CRIU wrote, see <see cref="GrowingFileHasher"/>) while the file still has the size it was hashed at and the
/// entry is well formed; every other file is hashed now, per chunk when large.
/// </summary>
internal static class CommitDigests
{
    /// <summary>The manifest entries of <paramref name="files"/>, sorted by path.</summary>
    /// <param name="files">The pending checkpoint's files.</param>
    /// <param name="supplied">Entries the caller hashed already.</param>
    /// <param name="parallelism">How many files, and chunks of a large file, are hashed at once.</param>
    /// <param name="cancellationToken">Cancels hashing.</param>
    public static async Task<List<ManifestFile>> CompleteAsync(
        IReadOnlyList<PendingFile> files, IEnumerable<ManifestFile> supplied, int parallelism, CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, ManifestFile>(StringComparer.Ordinal);
        foreach (var entry in supplied)
        {
            known[entry.Path] = entry;
        }

        var results = new ManifestFile[files.Count];
        var missing = new List<int>();
        for (var i = 0; i < files.Count; i++)
        {
            // A supplied digest is trusted only while the file still has the size it was hashed at.
            if (known.TryGetValue(files[i].RelativePath, out var entry) && entry.Size == files[i].Length && IsWellFormed(entry))
            {
                results[i] = entry;
            }
            else
            {
                missing.Add(i);
            }
        }

        // Files in parallel, and a large file's chunks in parallel too.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(missing.OrderByDescending(i => files[i].Length), parallel, async (i, token) =>
        {
            var entry = await ChunkedSha256.ComputeAsync(files[i].FullPath, files[i].RelativePath, ChunkedSha256.DefaultChunkSize, parallelism, token);
            // How a file is stored is not something its bytes say: keep what the caller recorded.
            results[i] = known.TryGetValue(files[i].RelativePath, out var supplied) && supplied.Compression is not null
                ? entry with { Compression = supplied.Compression, PlainSize = supplied.PlainSize }
                : entry;
        });

        return [.. results.OrderBy(file => file.Path, StringComparer.Ordinal)];
    }

    private static bool IsWellFormed(ManifestFile entry) =>
        entry.Problem() is null && (entry.Sha256 is { } whole ? IsSha256Hex(whole) : entry.ChunkSha256!.All(IsSha256Hex));

    private static bool IsSha256Hex(string? value) =>
        value is { Length: 64 } && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
