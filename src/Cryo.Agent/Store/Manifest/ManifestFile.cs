using ImageCompression = Cryo.Agent.Store.Compression.ImageCompression;

namespace Cryo.Agent.Store.Manifest;

/// <summary>
/// One file of a checkpoint with its size and SHA-256: of the whole file (<see cref="Sha256"/>), or, for a
/// file larger than one chunk, of each <see cref="ChunkSize"/>-byte chunk in order (<see cref="ChunkSha256"/>).
/// Chunks let two cores hash one multi-GiB page image at once, both while CRIU writes it and while a
/// restore verifies it; a single SHA-256 stream is bound to one core (~1.2 GB/s here).
/// </summary>
/// <remarks>
/// Chunk <c>i</c> covers bytes <c>[i × ChunkSize, min((i + 1) × ChunkSize, Size))</c>; each digest is what
/// <c>dd bs=ChunkSize skip=i count=1 | sha256sum</c> prints, unless <see cref="DigestAlgorithm"/> says otherwise.
/// Schema version 1 manifests only have <see cref="Sha256"/>; version 4 added <see cref="DigestAlgorithm"/>.
/// </remarks>
public sealed record ManifestFile
{
    /// <summary>Path relative to the checkpoint directory, '/'-separated (e.g. <c>images/pages-1.img</c>).</summary>
    public required string Path { get; init; }

    /// <summary>Size in bytes.</summary>
    public long Size { get; init; }

    /// <summary>SHA-256 of the whole content, lowercase hex; null when the file is hashed in chunks.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Bytes per chunk of <see cref="ChunkSha256"/>; null for a whole-file digest.</summary>
    public long? ChunkSize { get; init; }

    /// <summary>SHA-256 of each chunk in order, lowercase hex; null for a whole-file digest.</summary>
    public IReadOnlyList<string>? ChunkSha256 { get; init; }

    /// <summary>
    /// How the file is compressed at rest (<see cref="ImageCompression.Zstd"/>: <c>pages-N.img.zst</c>, one zstd frame
    /// with its content checksum), or null for a file stored as written. <see cref="Size"/> and the digests are of the stored
    /// (compressed) bytes, so verification and transfer never decompress; the frame's checksum covers the plain bytes.
    /// </summary>
    public string? Compression { get; init; }

    /// <summary>Bytes of the file once decompressed; null for a file stored as written.</summary>
    public long? PlainSize { get; init; }

    /// <summary>
    /// How <see cref="Sha256"/> and <see cref="ChunkSha256"/> are computed: null for <see cref="DigestAlgorithms.Sha256"/>
    /// (the bytes' SHA-256), or <see cref="DigestAlgorithms.Sha256OfPages"/> (pages images, from schema version 4).
    /// </summary>
    public string? DigestAlgorithm { get; init; }

    /// <summary>
    /// The byte ranges of the file and the SHA-256 each must have: one range for a whole-file digest, one
    /// per chunk otherwise.
    /// </summary>
    /// <exception cref="InvalidOperationException">The entry is malformed (see <see cref="Problem"/>).</exception>
    public IReadOnlyList<DigestRange> Ranges()
    {
        if (Problem() is { } problem)
        {
            throw new InvalidOperationException($"{Path}: {problem}");
        }

        if (Sha256 is not null)
        {
            return [new DigestRange(0, Size, Sha256, DigestAlgorithm)];
        }

        var chunk = ChunkSize!.Value;
        return [.. ChunkSha256!.Select((digest, i) => new DigestRange(i * chunk, Math.Min(chunk, Size - (i * chunk)), digest, DigestAlgorithm))];
    }

    /// <summary>What is wrong with the entry's shape, or null when it is well formed.</summary>
    public string? Problem()
    {
        var chunked = ChunkSize is not null || ChunkSha256 is not null;
        if (Size < 0)
        {
            return $"negative size {Size}";
        }

        if (Compression is not null)
        {
            if (Compression != ImageCompression.Zstd)
            {
                return $"unknown compression {Compression}";
            }

            if (PlainSize is not >= 0 || !Path.EndsWith(ImageCompression.ZstdSuffix, StringComparison.Ordinal))
            {
                return $"a file compressed with {Compression} needs a plainSize and a name ending in {ImageCompression.ZstdSuffix}";
            }
        }
        else if (PlainSize is not null)
        {
            return "plainSize without a compression";
        }

        if (!DigestAlgorithms.IsKnown(DigestAlgorithm))
        {
            return $"unknown digestAlgorithm '{DigestAlgorithm}' (this agent knows '{DigestAlgorithms.Sha256}' and '{DigestAlgorithms.Sha256OfPages}')";
        }

        if (Sha256 is null == !chunked)
        {
            return chunked
                ? "has both sha256 and chunkSha256"
                : "has neither sha256 nor chunkSha256";
        }

        if (!chunked)
        {
            return null;
        }

        if (ChunkSize is not > 0 || ChunkSha256 is null)
        {
            return "chunkSha256 needs a positive chunkSize";
        }

        var expected = Size == 0 ? 1 : (Size + ChunkSize.Value - 1) / ChunkSize.Value;
        return ChunkSha256.Count == expected
            ? null
            : $"{ChunkSha256.Count} chunk digests for {Size} bytes in chunks of {ChunkSize} (expected {expected})";
    }
}

/// <summary>A byte range of a checkpoint file and the SHA-256 (lowercase hex) it must have.</summary>
/// <param name="Offset">First byte.</param>
/// <param name="Length">Number of bytes.</param>
/// <param name="Sha256">Expected digest.</param>
/// <param name="Algorithm">How the digest is computed (<see cref="ManifestFile.DigestAlgorithm"/>): null for the bytes' SHA-256.</param>
public readonly record struct DigestRange(long Offset, long Length, string Sha256, string? Algorithm = null)
{
    /// <summary>Whether the digest is <see cref="DigestAlgorithms.Sha256OfPages"/>.</summary>
    public bool OfPages => Algorithm == DigestAlgorithms.Sha256OfPages;
}
