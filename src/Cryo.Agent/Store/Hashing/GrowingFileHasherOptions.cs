using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;

namespace Cryo.Agent.Store.Hashing;

/// <summary>Tuning for <see cref="GrowingFileHasher"/>.</summary>
public sealed record GrowingFileHasherOptions
{
    /// <summary>
    /// Which files (by file name) are only ever appended to while being written, and so can be hashed
    /// as they grow. Others are hashed once the writer is done. Default: CRIU's page images, <c>pages-*.img</c>.
    /// </summary>
    public Func<string, bool> IsAppendOnly { get; init; } = CriuImageFiles.IsPagesImage;

    /// <summary>
    /// Whether append-only files also get the SHA-256 of every 4 KiB page (<see cref="GrowingFileHasher.PageDigestsOfPagesImages"/>),
    /// from the same reads: a checkpoint's page index, which its increments compare against. Their manifest digests are
    /// then made from the page digests (<see cref="DigestAlgorithms.Sha256OfPages"/>), so each byte is hashed once. Default: yes.
    /// </summary>
    public bool DigestPages { get; init; } = true;

    /// <summary>
    /// Receives the page digests of each chunk of a pages image as it is hashed (with <see cref="DigestPages"/>), on the
    /// hashing thread: an increment's copy of its changed pages made beside the dump (<see cref="EarlyPageCopy"/>).
    /// <c>null</c> (default) for none.
    /// </summary>
    public IPageDigestSink? PageDigestSink { get; init; }

    /// <summary>How often to look for new data when the writer is slower than hashing.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Below this many new bytes per pass, wait a poll interval before the next: the follower must not spin
    /// beside a writer that trickles (two cores here, CRIU needs one).
    /// </summary>
    public long MinimumBatchBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>
    /// How many chunks are hashed at once once the writer is done (the tail the caller waits on): every
    /// core, at least two and at most eight (a page image is written at 1-2 GB/s; a core hashes 1.4 GB/s
    /// with OpenSSL, 2.8 two chunks at a time with <see cref="InterleavedSha256"/>).
    /// </summary>
    public int Parallelism { get; init; } = Math.Clamp(Environment.ProcessorCount, 2, 8);

    /// <summary>
    /// How many chunks are hashed at once while the writer still writes: one core fewer than there are,
    /// at least one. CRIU's dump keeps about one core busy; a hashing thread per remaining core runs
    /// beside it without taking its core (two hashers on two cores, even at nice 19, slowed a 512 MiB
    /// page dump by 15-25 %; one, at the agent's priority, keeps to the idle core).
    /// </summary>
    public int WhileWritingParallelism { get; init; } = Math.Clamp(Environment.ProcessorCount - 1, 1, 8);

    /// <summary>
    /// While the writer writes, how long a hashing thread holding one chunk waits for a second to hash with it
    /// (<see cref="InterleavedSha256"/>): at 1-2 GB/s CRIU completes a 16 MiB chunk every 8-16 ms.
    /// </summary>
    public TimeSpan PairWait { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Bytes per chunk (see <see cref="ManifestFile"/>); files up to one chunk get a whole-file SHA-256.</summary>
    public long ChunkSize { get; init; } = ChunkedSha256.DefaultChunkSize;
}
