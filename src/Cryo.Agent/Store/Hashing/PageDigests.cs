using System.Security.Cryptography;
using Cryo.Criu.Images;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// The SHA-256 of every 4 KiB page of a pages image, computed from the bytes the chunk hashing reads anyway, so that
/// a checkpoint's page index (what its increments compare against) costs no second read. All the pages given at once
/// with <see cref="InterleavedSha256.HashMany"/> where it is available (under half the CPU of .NET's one by one, on this
/// project's VM), so every checkpoint can afford it. Same digests as <see cref="Sha256PageHasher"/>, under the same name.
/// </summary>
public sealed class PageDigests : IPageHasher
{
    /// <summary>Bytes per page.</summary>
    public const int PageSize = PageMap.PageSize;

    /// <summary>Bytes per digest.</summary>
    public const int DigestSize = SHA256.HashSizeInBytes;

    /// <summary>The one instance.</summary>
    public static PageDigests Instance { get; } = new();

    private PageDigests()
    {
    }

    /// <inheritdoc />
    public string Algorithm => Sha256PageHasher.AlgorithmName;

    int IPageHasher.DigestSize => DigestSize;

    /// <summary>Bytes of digests for the whole pages of <paramref name="bytes"/> bytes.</summary>
    public static int SizeFor(long bytes) => checked((int)(bytes / PageSize * DigestSize));

    /// <summary>Writes the digest of each whole page of <paramref name="data"/> into <paramref name="digests"/>, if given; a partial last page is left out.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> digests)
    {
        if (digests.IsEmpty)
        {
            return;
        }

        var whole = Math.Min(data.Length / PageSize, digests.Length / DigestSize) * PageSize;
        Instance.HashPages(data[..whole], digests);
    }

    /// <inheritdoc />
    public void HashPages(ReadOnlySpan<byte> pages, Span<byte> digests)
    {
        if (pages.Length % PageSize != 0)
        {
            throw new ArgumentException($"{pages.Length} bytes are not whole pages", nameof(pages));
        }

        var count = pages.Length / PageSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(digests.Length, count * DigestSize, nameof(digests));
        if (!InterleavedSha256.IsAvailable)
        {
            Sha256PageHasher.Instance.HashPages(pages, digests);
            return;
        }

        InterleavedSha256.HashMany(pages, PageSize, digests);
    }
}
