using System.Buffers;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// SHA-256 of a file in fixed-size chunks (see <see cref="ManifestFile"/>): chunks are independent, so a
/// large file is hashed on as many cores as are free. A file of at most one chunk gets a whole-file digest,
/// equal to <c>sha256sum</c>'s unless it is listed by its pages (<see cref="DigestAlgorithms.Sha256OfPages"/>).
/// </summary>
public static class ChunkedSha256
{
    /// <summary>
    /// Bytes per chunk: small enough that the last chunk of a page image (hashed after CRIU has finished)
    /// costs ~15 ms, large enough that a 2 GiB image lists 128 digests.
    /// </summary>
    public const long DefaultChunkSize = 16L * 1024 * 1024;

    private const int ReadSize = 1024 * 1024;

    /// <summary>Longest ranges hashed as a pair: each is read whole into a buffer first.</summary>
    private const long MaxPairLength = DefaultChunkSize;

    /// <summary>Number of chunks a file of <paramref name="size"/> bytes has (an empty file has one, empty chunk).</summary>
    public static int ChunkCount(long size, long chunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        return size == 0 ? 1 : checked((int)((size + chunkSize - 1) / chunkSize));
    }

    /// <summary>
    /// The manifest entry, listed by its pages (<see cref="DigestAlgorithms.Sha256OfPages"/>), of a pages image whose
    /// page digests are known: each chunk's digest is the SHA-256 of its pages' digests, so the file is not read. Null
    /// when the digests are not SHA-256 of 4 KiB pages.
    /// </summary>
    /// <param name="relativePath">The entry's path.</param>
    /// <param name="pages">The digest of each page of the file, in order (the file is exactly these pages).</param>
    /// <param name="chunkSize">Bytes per chunk, a whole number of pages.</param>
    public static ManifestFile? EntryOfPages(string relativePath, Cryo.Criu.Images.PagesImageDigests pages, long chunkSize)
    {
        ArgumentNullException.ThrowIfNull(pages);
        if (pages.Algorithm != PageDigests.Instance.Algorithm || pages.DigestSize != PageDigests.DigestSize || chunkSize % DigestAlgorithms.PageSize != 0)
        {
            return null;
        }
        var size = pages.PageCount * DigestAlgorithms.PageSize;
        var pagesPerChunk = chunkSize / DigestAlgorithms.PageSize;
        var digests = new List<string>(ChunkCount(size, chunkSize));
        var first = 0L;
        do
        {
            var count = Math.Min(pagesPerChunk, pages.PageCount - first);
            digests.Add(RangeHasher.OfPageDigests(pages.DigestsOf(first, count)));
            first += count;
        }
        while (first < pages.PageCount);
        return Entry(relativePath, size, chunkSize, digests, DigestAlgorithms.Sha256OfPages);
    }

    /// <summary>The manifest entry for a file whose chunk digests are known.</summary>
    /// <param name="relativePath">The entry's path.</param>
    /// <param name="size">The file's size.</param>
    /// <param name="chunkSize">Bytes per chunk.</param>
    /// <param name="chunkDigests">The digest of each chunk, in order.</param>
    /// <param name="algorithm">How they were computed (<see cref="ManifestFile.DigestAlgorithm"/>); null for plain SHA-256.</param>
    public static ManifestFile Entry(string relativePath, long size, long chunkSize, IReadOnlyList<string> chunkDigests, string? algorithm = null)
    {
        ArgumentNullException.ThrowIfNull(chunkDigests);
        algorithm = algorithm == DigestAlgorithms.Sha256 ? null : algorithm;
        return chunkDigests.Count == 1
            ? new ManifestFile { Path = relativePath, Size = size, Sha256 = chunkDigests[0], DigestAlgorithm = algorithm }
            : new ManifestFile { Path = relativePath, Size = size, ChunkSize = chunkSize, ChunkSha256 = chunkDigests, DigestAlgorithm = algorithm };
    }

    /// <summary>
    /// Hashes a whole file on <paramref name="parallelism"/> threads, each taking two chunks at a time where it
    /// can (<see cref="HashAllAsync"/>), and returns its manifest entry.
    /// </summary>
    /// <param name="fullPath">The file.</param>
    /// <param name="relativePath">The entry's path.</param>
    /// <param name="chunkSize">Bytes per chunk.</param>
    /// <param name="parallelism">Threads hashing at once.</param>
    /// <param name="cancellationToken">Stops hashing between reads.</param>
    /// <param name="algorithm">The digest to list (<see cref="ManifestFile.DigestAlgorithm"/>); null for plain SHA-256.</param>
    /// <exception cref="IOException">The file changed size while it was hashed.</exception>
    public static async Task<ManifestFile> ComputeAsync(string fullPath, string relativePath, long chunkSize, int parallelism, CancellationToken cancellationToken,
        string? algorithm = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var ofPages = algorithm == DigestAlgorithms.Sha256OfPages;
        using var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        var size = RandomAccess.GetLength(handle);
        var digests = new string[ChunkCount(size, chunkSize)];
        var ranges = Enumerable.Range(0, digests.Length)
            .Select(i => new FileRange(handle, i * chunkSize, Math.Min(chunkSize, size - (i * chunkSize)), ofPages))
            .ToList();
        await HashAllAsync(ranges, parallelism, (i, digest, hashed) =>
        {
            if (hashed != ranges[i].Length)
            {
                throw new IOException($"{fullPath} shrank while it was hashed");
            }

            digests[i] = digest;
        }, cancellationToken);

        if (RandomAccess.GetLength(handle) != size)
        {
            throw new IOException($"{fullPath} changed size while it was hashed");
        }

        return Entry(relativePath, size, chunkSize, digests, algorithm);
    }

    /// <summary>
    /// Hashes <paramref name="ranges"/>, <paramref name="parallelism"/> pieces at a time, and reports each
    /// digest with the bytes hashed (fewer than asked when the file ended first) to <paramref name="hashed"/>
    /// (which may throw to stop). Plain neighbours of equal length are hashed together (<see cref="HashPair"/>):
    /// list equally long ranges next to each other. A range of page digests interleaves its own pages.
    /// </summary>
    internal static Task HashAllAsync(IReadOnlyList<FileRange> ranges, int parallelism, Action<int, string, long> hashed, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var work = new List<(int First, int Second)>();
        for (var i = 0; i < ranges.Count; i++)
        {
            var paired = InterleavedSha256.IsAvailable && i + 1 < ranges.Count && ranges[i + 1].Length == ranges[i].Length && !ranges[i].OfPages && !ranges[i + 1].OfPages;
            work.Add((i, paired ? ++i : -1));
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        return Parallel.ForEachAsync(work, parallel, (item, token) =>
        {
            if (item.Second < 0)
            {
                var digest = Hash(ranges[item.First], null, token, out var bytes);
                hashed(item.First, digest, bytes);
                return ValueTask.CompletedTask;
            }

            var (first, second) = HashPair(ranges[item.First], ranges[item.Second], token);
            hashed(item.First, first.Digest, first.Hashed);
            hashed(item.Second, second.Digest, second.Hashed);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>
    /// Hashes two ranges: at once (<see cref="InterleavedSha256"/>) when they are plain, equally long and no longer than
    /// <see cref="MaxPairLength"/>, which costs about 0.7 of the CPU of hashing them one by one; otherwise one
    /// after the other, like <see cref="Hash"/>.
    /// </summary>
    internal static ((string Digest, long Hashed) First, (string Digest, long Hashed) Second) HashPair(FileRange first, FileRange second, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (InterleavedSha256.IsAvailable && !first.OfPages && !second.OfPages && first.Length == second.Length && first.Length is > 0 and <= MaxPairLength)
        {
            var length = (int)first.Length;
            var a = ArrayPool<byte>.Shared.Rent(length);
            var b = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                // Short reads mean a file ended first: hash each one alone, which reports how far it got.
                if (ReadFully(first, a) == length && ReadFully(second, b) == length)
                {
                    Span<byte> firstDigest = stackalloc byte[32];
                    Span<byte> secondDigest = stackalloc byte[32];
                    InterleavedSha256.Hash(a.AsSpan(0, length), b.AsSpan(0, length), firstDigest, secondDigest);
                    return ((Convert.ToHexStringLower(firstDigest), length), (Convert.ToHexStringLower(secondDigest), length));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(a);
                ArrayPool<byte>.Shared.Return(b);
            }
        }

        var x = Hash(first, null, cancellationToken, out var firstHashed);
        var y = Hash(second, null, cancellationToken, out var secondHashed);
        return ((x, firstHashed), (y, secondHashed));
    }

    /// <summary>
    /// The digest (lowercase hex) of a range, plain or of pages as <see cref="FileRange.OfPages"/> says, or of fewer
    /// bytes when the file ends first (<paramref name="hashed"/> says how many). A range of pages also writes the
    /// SHA-256 of each whole page into <paramref name="pageDigests"/> when given (<see cref="PageDigests.SizeFor"/> bytes
    /// for the range), from the same reads.
    /// </summary>
    /// <remarks>
    /// Reads, never a mapping: a mapped page cut off by a truncation raises SIGBUS, which kills the agent, and on a
    /// network volume (NFS, CephFS, which the README recommends) another node can shrink a file at any time. A
    /// mapping saved ~9 % of the CPU of one .NET SHA-256 stream and ~24 % of a paired one on this machine
    /// (<c>hack/bench.sh agent --only hashing</c>), while a read-fed core still hashes faster than CRIU writes.
    /// </remarks>
    internal static string Hash(FileRange range, byte[]? pageDigests, CancellationToken cancellationToken, out long hashed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(range.Offset);
        ArgumentOutOfRangeException.ThrowIfNegative(range.Length);
        using var hasher = RangeHasher.For(range.OfPages ? DigestAlgorithms.Sha256OfPages : null);
        hasher.KeepPageDigests(pageDigests);
        var end = range.Offset + range.Length;
        var position = range.Offset;

        // 1 MiB reads: few system calls (64-256 KiB reads, which stay in L2, measured no cheaper); whole pages but the last.
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            while (position < end)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = ReadFully(new FileRange(range.Handle, position, Math.Min(ReadSize, end - position)), buffer);
                if (read == 0)
                {
                    break;
                }

                hasher.Append(buffer.AsSpan(0, read));
                position += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        hashed = position - range.Offset;
        return hasher.Finish();
    }

    // Reads a range into the buffer; returns the bytes read (fewer when the file ends first).
    private static int ReadFully(FileRange range, byte[] buffer)
    {
        var done = 0;
        while (done < range.Length)
        {
            var read = RandomAccess.Read(range.Handle, buffer.AsSpan(done, (int)range.Length - done), range.Offset + done);
            if (read == 0)
            {
                break;
            }

            done += read;
        }

        return done;
    }
}
