namespace Cryo.Agent.Store;

/// <summary>Tuning for <see cref="GrowingFileHasher"/>.</summary>
public sealed record GrowingFileHasherOptions
{
    /// <summary>
    /// Which files (by file name) are only ever appended to while being written, and so can be hashed
    /// as they grow. Others are hashed once the writer is done. Default: CRIU's page images, <c>pages-*.img</c>.
    /// </summary>
    public Func<string, bool> IsAppendOnly { get; init; } = IsPagesImage;

    /// <summary>How often to look for new data when the writer is slower than hashing.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Below this many new bytes per pass, wait a poll interval before the next: the follower must not spin
    /// beside a writer that trickles (two cores here, CRIU needs one).
    /// </summary>
    public long MinimumBatchBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>
    /// How many chunks are hashed at once, while the writer writes and after. Two: CRIU's dump leaves most
    /// of a second core idle (it waits on the kernel's page copies), and the tail after it is split in two.
    /// </summary>
    public int Parallelism { get; init; } = 2;

    /// <summary>
    /// How much nicer than the agent the hashing threads run while the writer is still writing (0: as nice
    /// as the agent). The default, 19 (the most), leaves CRIU's core to CRIU and gives the hashers every
    /// idle cycle (at +5, two hashers on two cores still took a quarter of CRIU's core and slowed a 512 MiB
    /// page dump by 25 %); they return to the agent's priority for the tail, which the caller waits on.
    /// </summary>
    public int WhileWritingNice { get; init; } = 19;

    /// <summary>Bytes per chunk (see <see cref="ManifestFile"/>); files up to one chunk get a whole-file SHA-256.</summary>
    public long ChunkSize { get; init; } = ChunkedSha256.DefaultChunkSize;

    /// <summary>Whether a file name is a CRIU page image (<c>pages-*.img</c>), which CRIU writes strictly sequentially.</summary>
    public static bool IsPagesImage(string fileName) =>
        fileName.StartsWith("pages-", StringComparison.Ordinal) && fileName.EndsWith(".img", StringComparison.Ordinal);
}
