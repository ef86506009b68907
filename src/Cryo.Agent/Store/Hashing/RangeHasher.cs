using System.Security.Cryptography;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// The digest of one manifest range, fed in pieces of any size: SHA-256 of the bytes, or for
/// <see cref="DigestAlgorithms.Sha256OfPages"/> SHA-256 over the SHA-256 of each 4 KiB page (hashed a batch of pages at a time
/// with <see cref="PageDigests"/>), optionally keeping those page digests for the checkpoint's page index. Reusable:
/// <see cref="Finish"/> resets it for the next range.
/// </summary>
public sealed class RangeHasher : IDisposable
{
    private const int PageSize = DigestAlgorithms.PageSize;
    private const int DigestSize = PageDigests.DigestSize;

    // Page digests are made this many pages at a time (8 KiB of digests on the stack).
    private const int PagesPerBatch = 256;

    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[]? page;
    private int pageLength;
    private byte[]? pageDigests;
    private int pageDigestsAt;

    private RangeHasher(bool ofPages)
    {
        page = ofPages ? new byte[PageSize] : null;
    }

    /// <summary>Whether this hasher makes <see cref="DigestAlgorithms.Sha256OfPages"/> digests.</summary>
    public bool OfPages => page is not null;

    /// <summary>A hasher for <paramref name="algorithm"/> (<see cref="ManifestFile.DigestAlgorithm"/>; null for plain SHA-256).</summary>
    /// <exception cref="ArgumentException">An algorithm this code does not know.</exception>
    public static RangeHasher For(string? algorithm) =>
        DigestAlgorithms.IsKnown(algorithm)
            ? new RangeHasher(algorithm == DigestAlgorithms.Sha256OfPages)
            : throw new ArgumentException($"unknown digest algorithm '{algorithm}'", nameof(algorithm));

    /// <summary>
    /// For a <see cref="DigestAlgorithms.Sha256OfPages"/> hasher: also write the digest of each whole page of the range
    /// into <paramref name="digests"/> (<see cref="PageDigests.SizeFor"/> bytes for the range), until <see cref="Finish"/>.
    /// </summary>
    public void KeepPageDigests(byte[]? digests)
    {
        if (digests is not null && !OfPages)
        {
            throw new InvalidOperationException("a plain SHA-256 hasher makes no page digests");
        }

        pageDigests = digests;
        pageDigestsAt = 0;
    }

    /// <summary>Adds the range's next bytes.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (page is null)
        {
            hash.AppendData(data);
            return;
        }

        Span<byte> digests = stackalloc byte[PagesPerBatch * DigestSize];
        while (!data.IsEmpty)
        {
            if (pageLength > 0 || data.Length < PageSize)
            {
                var take = Math.Min(PageSize - pageLength, data.Length);
                data[..take].CopyTo(page.AsSpan(pageLength));
                pageLength += take;
                data = data[take..];
                if (pageLength == PageSize)
                {
                    SHA256.HashData(page, digests[..DigestSize]);
                    AddPageDigests(digests[..DigestSize]);
                    pageLength = 0;
                }

                continue;
            }

            var pages = Math.Min(data.Length / PageSize, PagesPerBatch);
            PageDigests.Instance.HashPages(data[..(pages * PageSize)], digests);
            AddPageDigests(digests[..(pages * DigestSize)]);
            data = data[(pages * PageSize)..];
        }
    }

    /// <summary>The range's digest (lowercase hex); the hasher is ready for the next range.</summary>
    public string Finish()
    {
        if (pageLength > 0)
        {
            // A short last page is hashed as it is; it has no place in the page index, which lists whole pages.
            Span<byte> digest = stackalloc byte[DigestSize];
            SHA256.HashData(page.AsSpan(0, pageLength), digest);
            hash.AppendData(digest);
            pageLength = 0;
        }

        pageDigests = null;
        pageDigestsAt = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The <see cref="DigestAlgorithms.Sha256OfPages"/> digest of a range of whole pages whose digests are known: SHA-256
    /// over them, as <see cref="Finish"/> makes it from the bytes.
    /// </summary>
    public static string OfPageDigests(ReadOnlySpan<byte> pageDigests) => Convert.ToHexStringLower(SHA256.HashData(pageDigests));

    /// <summary>Forgets what was appended since the last <see cref="Finish"/>.</summary>
    public void Reset()
    {
        hash.GetHashAndReset();
        pageLength = 0;
        pageDigests = null;
        pageDigestsAt = 0;
    }

    /// <inheritdoc />
    public void Dispose() => hash.Dispose();

    private void AddPageDigests(ReadOnlySpan<byte> digests)
    {
        hash.AppendData(digests);
        if (pageDigests is not null)
        {
            var take = Math.Min(digests.Length, pageDigests.Length - pageDigestsAt);
            digests[..take].CopyTo(pageDigests.AsSpan(pageDigestsAt));
            pageDigestsAt += take;
        }
    }
}
