using System.Security.Cryptography;

namespace Cryo.Criu.Images;

/// <summary>
/// SHA-256 of each page, through .NET (OpenSSL on Linux, with the x86 SHA extensions where the CPU has them).
/// </summary>
/// <remarks>
/// Why SHA-256 rather than a faster non-cryptographic 128-bit hash (xxHash128): a page judged unchanged is never
/// compared byte for byte, so a collision restores wrong memory without any error. SHA-256 has no known way to
/// make one, even for a workload that tries; a non-cryptographic hash only makes accidents unlikely. The price is
/// speed: OpenSSL hashes 4 KiB pages at 0.5-1.3 GB/s per core on this project's (shared, loaded) VM, about CRIU's own
/// dump rate, so the agent should hash pages images while CRIU writes them (<see cref="PagesImageDigests"/>) or plug in
/// a faster SHA-256 through <see cref="IPageHasher"/> (its two-lane SHA-NI one, 2.8 GB/s per core). 32 bytes per
/// 4 KiB page keep the index under 1 % of the memory it describes.
/// </remarks>
public sealed class Sha256PageHasher : IPageHasher
{
    /// <summary>The name recorded in indexes: <c>sha256</c>.</summary>
    public const string AlgorithmName = "sha256";

    /// <summary>The one instance (it holds no state).</summary>
    public static Sha256PageHasher Instance { get; } = new();

    private Sha256PageHasher()
    {
    }

    /// <inheritdoc />
    public string Algorithm => AlgorithmName;

    /// <inheritdoc />
    public int DigestSize => SHA256.HashSizeInBytes;

    /// <inheritdoc />
    public void HashPages(ReadOnlySpan<byte> pages, Span<byte> digests)
    {
        if (pages.Length % PageMap.PageSize != 0)
        {
            throw new ArgumentException($"{pages.Length} bytes are not whole pages", nameof(pages));
        }
        var count = pages.Length / PageMap.PageSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(digests.Length, count * SHA256.HashSizeInBytes, nameof(digests));
        // One context for the batch: setting one up for every 4 KiB page (SHA256.HashData) costs more than hashing it.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < count; i++)
        {
            hash.AppendData(pages.Slice(i * PageMap.PageSize, PageMap.PageSize));
            hash.GetHashAndReset(digests.Slice(i * SHA256.HashSizeInBytes, SHA256.HashSizeInBytes));
        }
    }
}
