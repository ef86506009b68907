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

    /// <summary>How many files are hashed at once when the writer has finished.</summary>
    public int CompletionParallelism { get; init; } = 2;

    /// <summary>Bytes per read.</summary>
    public int BufferSize { get; init; } = FileDigest.DefaultBufferSize;

    /// <summary>Whether a file name is a CRIU page image (<c>pages-*.img</c>), which CRIU writes strictly sequentially.</summary>
    public static bool IsPagesImage(string fileName) =>
        fileName.StartsWith("pages-", StringComparison.Ordinal) && fileName.EndsWith(".img", StringComparison.Ordinal);
}
