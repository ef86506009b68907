using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// Checks a chain (a checkpoint and the parents its images read from) as a restore reads it: every file of every level
/// against its manifest, except that a parent's pages images are checked by the pages the restore reads from them
/// (<see cref="ChainPageReads"/>, <see cref="ReadPagesVerifier"/>), not whole. Pages a newer level replaced are never
/// restored, so hashing them bought nothing: for the fifth increment of a chain, whose memory changed by a tenth each
/// time, this hashes as many bytes as the memory holds instead of half as many again.
/// </summary>
public static class ChainVerifier
{
    /// <summary>Verifies the files <paramref name="include"/> selects of every level of <paramref name="chain"/> (child first).</summary>
    /// <param name="chain">The chain, as <see cref="CheckpointChain.Of"/> gives it.</param>
    /// <param name="include">Which listed files to verify.</param>
    /// <param name="parallelism">Threads hashing at once.</param>
    /// <param name="cancellationToken">Stops between reads.</param>
    /// <exception cref="CheckpointCorruptedException">A file differs from its manifest where the restore reads it, naming the file.</exception>
    public static async Task VerifyAsync(IReadOnlyList<StoredCheckpoint> chain, Func<ManifestFile, bool> include, int parallelism, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(include);
        var reads = chain.Count > 1 ? ChainPageReads.Of(chain, cancellationToken) : null;
        for (var level = 0; level < chain.Count; level++)
        {
            var byReads = new Dictionary<ManifestFile, PagesImageReads>(ReferenceEqualityComparer.Instance);
            foreach (var entry in chain[level].Manifest.Files.Where(include))
            {
                if (reads?.For(level, Path.GetFileName(entry.Path)) is { } read && ReadPagesVerifier.Applies(entry, read)
                    && entry.Path == StorePaths.ImagesDirectoryName + "/" + Path.GetFileName(entry.Path))
                {
                    byReads[entry] = read;
                }
            }

            await ChecksumVerifier.VerifyContentAsync(chain[level], entry => include(entry) && !byReads.ContainsKey(entry), cancellationToken, parallelism);
            foreach (var (entry, read) in byReads)
            {
                await ReadPagesVerifier.VerifyAsync(chain[level], entry, read, parallelism, cancellationToken);
            }
        }
    }
}
