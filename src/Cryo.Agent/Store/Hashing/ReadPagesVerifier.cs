using System.Buffers;
using System.Security.Cryptography;
using Cryo.Agent.Store.Manifest;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// Checks the pages of a parent's pages image that a restore of its chain reads, against the manifest's chunk digests
/// (<see cref="DigestAlgorithms.Sha256OfPages"/>: the SHA-256 over each page's SHA-256): every page read is hashed, every
/// other page's digest comes from the parent's page index, and the chunk's digest is made from both. A changed byte
/// in a page that is read changes the chunk's digest, as in a whole check; a chunk no page is read from is not read at all.
/// When the index and the pages disagree with the manifest, the whole chunk is hashed to say which is wrong: the pages
/// (the checkpoint is corrupted) or only the index, whose own digest in the manifest is checked beside.
/// </summary>
internal static class ReadPagesVerifier
{
    private const int PageSize = DigestAlgorithms.PageSize;
    private const int DigestSize = PageDigests.DigestSize;

    // 1 MiB reads, as the whole-file hashing's; a window no page is read from is skipped.
    private const int WindowPages = 256;

    /// <summary>Whether <paramref name="entry"/> can be checked by its read pages alone: stored as written, digested by pages, of the size its pagemap says.</summary>
    public static bool Applies(ManifestFile entry, PagesImageReads reads) =>
        entry.Compression is null && entry.DigestAlgorithm == DigestAlgorithms.Sha256OfPages && entry.Size == (long)reads.PageCount * PageSize
        && (entry.ChunkSize is null || entry.ChunkSize.Value % PageSize == 0);

    /// <summary>Verifies the pages of <paramref name="entry"/> that <paramref name="reads"/> says are read, <paramref name="parallelism"/> chunks at a time.</summary>
    /// <exception cref="CheckpointCorruptedException">A chunk's pages differ from the manifest, naming the file and the bytes.</exception>
    public static async Task VerifyAsync(StoredCheckpoint level, ManifestFile entry, PagesImageReads reads, int parallelism, CancellationToken cancellationToken)
    {
        using var handle = ChecksumVerifier.Open(level, entry);
        var length = RandomAccess.GetLength(handle);
        if (length != entry.Size)
        {
            throw new CheckpointCorruptedException(level.Key, entry.Path, CorruptionKind.SizeDiffers, $"manifest says {entry.Size} bytes, file has {length}");
        }

        var ranges = ChecksumVerifier.Ranges(level, entry);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, ranges.Count), parallel, (i, token) =>
        {
            VerifyRange(level, entry, handle, ranges[i], ranges.Count, reads, token);
            return ValueTask.CompletedTask;
        });
    }

    private static void VerifyRange(StoredCheckpoint level, ManifestFile entry, SafeFileHandle handle, DigestRange range, int count, PagesImageReads reads,
        CancellationToken cancellationToken)
    {
        var first = (int)(range.Offset / PageSize);
        var pages = (int)(range.Length / PageSize);
        if (!reads.AnyToHash(first, pages))
        {
            return;
        }

        var digests = new byte[pages * DigestSize];
        var buffer = ArrayPool<byte>.Shared.Rent(WindowPages * PageSize);
        try
        {
            for (var window = 0; window < pages; window += WindowPages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var inWindow = Math.Min(WindowPages, pages - window);
                int low = -1, high = -1;
                for (var p = window; p < window + inWindow; p++)
                {
                    if (reads.MustHash(first + p))
                    {
                        low = low < 0 ? p : low;
                        high = p;
                    }
                    else
                    {
                        reads.IndexDigest(first + p).CopyTo(digests.AsSpan(p * DigestSize));
                    }
                }

                if (low < 0)
                {
                    continue;
                }

                var bytes = (high - low + 1) * PageSize;
                if (ReadFully(handle, buffer.AsSpan(0, bytes), range.Offset + ((long)low * PageSize)) != bytes)
                {
                    throw new CheckpointCorruptedException(level.Key, entry.Path, CorruptionKind.SizeDiffers,
                        $"manifest says {entry.Size} bytes, the file ended early{ChecksumVerifier.Where(entry, range, count)}");
                }

                HashPages(reads, first, low, high, buffer, digests);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (string.Equals(Convert.ToHexStringLower(SHA256.HashData(digests)), range.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var whole = ChunkedSha256.Hash(new FileRange(handle, range.Offset, range.Length, OfPages: true), null, cancellationToken, out var hashed);
        if (hashed != range.Length)
        {
            throw new CheckpointCorruptedException(level.Key, entry.Path, CorruptionKind.SizeDiffers,
                $"manifest says {entry.Size} bytes, the file ended early{ChecksumVerifier.Where(entry, range, count)}");
        }

        if (!string.Equals(whole, range.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointCorruptedException(level.Key, entry.Path, CorruptionKind.Sha256Differs,
                $"manifest says {range.Sha256}, file has {whole}{ChecksumVerifier.Where(entry, range, count)}");
        }
    }

    // Hashes the pages to hash among pages [low, high] of the range (buffer holds them from low on), two at a time where it can.
    private static void HashPages(PagesImageReads reads, int first, int low, int high, byte[] buffer, byte[] digests)
    {
        var waiting = -1;
        for (var p = low; p <= high; p++)
        {
            if (!reads.MustHash(first + p))
            {
                continue;
            }

            if (!InterleavedSha256.IsAvailable)
            {
                SHA256.HashData(Page(buffer, p - low), digests.AsSpan(p * DigestSize, DigestSize));
            }
            else if (waiting < 0)
            {
                waiting = p;
            }
            else
            {
                InterleavedSha256.Hash(Page(buffer, waiting - low), Page(buffer, p - low),
                    digests.AsSpan(waiting * DigestSize, DigestSize), digests.AsSpan(p * DigestSize, DigestSize));
                waiting = -1;
            }
        }

        if (waiting >= 0)
        {
            SHA256.HashData(Page(buffer, waiting - low), digests.AsSpan(waiting * DigestSize, DigestSize));
        }
    }

    private static ReadOnlySpan<byte> Page(byte[] buffer, int page) => buffer.AsSpan(page * PageSize, PageSize);

    private static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (read == 0)
            {
                break;
            }

            done += read;
        }

        return done;
    }
}
