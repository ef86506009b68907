using Microsoft.Win32.SafeHandles;

namespace Cryo.Criu.Images;

/// <summary>
/// The hash of each page of one pages image (<c>pages-K.img</c>), by position in the file. Computed while CRIU writes
/// the image (it only appends, page after page) and handed to <see cref="IncrementalRewriter"/>, they spare the
/// rewrite its read-and-hash pass: it then reads only the pages it stores. They must be of the file's final bytes,
/// with the rewriter's hash: a stale digest would leave a changed page to the parent.
/// </summary>
public sealed class PagesImageDigests
{
    private readonly ReadOnlyMemory<byte> _digests;

    /// <summary>Wraps digests computed elsewhere.</summary>
    /// <param name="fileName">The pages image's file name, e.g. <c>pages-2.img</c>.</param>
    /// <param name="algorithm">The hash (<see cref="IPageHasher.Algorithm"/>).</param>
    /// <param name="digestSize">Bytes per digest.</param>
    /// <param name="digests">One digest per page, in file order.</param>
    public PagesImageDigests(string fileName, string algorithm, int digestSize, byte[] digests)
        : this(fileName, algorithm, digestSize, (ReadOnlyMemory<byte>)(digests ?? throw new ArgumentNullException(nameof(digests))))
    {
    }

    /// <summary>
    /// Wraps digests computed elsewhere, in part of a larger buffer (a hasher's store that grew as the file did): wrapped,
    /// not copied, so that handing over a 512 MiB image's 4 MiB of digests costs nothing.
    /// </summary>
    /// <param name="fileName">The pages image's file name, e.g. <c>pages-2.img</c>.</param>
    /// <param name="algorithm">The hash (<see cref="IPageHasher.Algorithm"/>).</param>
    /// <param name="digestSize">Bytes per digest.</param>
    /// <param name="digests">One digest per page, in file order; never written again.</param>
    public PagesImageDigests(string fileName, string algorithm, int digestSize, ReadOnlyMemory<byte> digests)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentException.ThrowIfNullOrEmpty(algorithm);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(digestSize);
        if (digests.Length % digestSize != 0)
        {
            throw new ArgumentException($"{digests.Length} bytes are not whole {digestSize}-byte digests", nameof(digests));
        }
        FileName = fileName;
        Algorithm = algorithm;
        DigestSize = digestSize;
        _digests = digests;
    }

    /// <summary>The pages image's file name.</summary>
    public string FileName { get; }

    /// <summary>The hash.</summary>
    public string Algorithm { get; }

    /// <summary>Bytes per digest.</summary>
    public int DigestSize { get; }

    /// <summary>Pages hashed.</summary>
    public long PageCount => _digests.Length / DigestSize;

    /// <summary>The digest of the <paramref name="page"/>-th page of the file.</summary>
    public ReadOnlySpan<byte> DigestAt(long page) => _digests.Span.Slice(checked((int)(page * DigestSize)), DigestSize);

    /// <summary>The digests of <paramref name="count"/> pages from the <paramref name="firstPage"/>-th on, back to back.</summary>
    public ReadOnlySpan<byte> DigestsOf(long firstPage, long count) =>
        _digests.Span.Slice(checked((int)(firstPage * DigestSize)), checked((int)(count * DigestSize)));

    /// <summary>Every digest, back to back: shared, never to be written.</summary>
    internal ReadOnlyMemory<byte> Bytes => _digests;

    /// <summary>Hashes every page of the pages image at <paramref name="path"/>.</summary>
    /// <exception cref="CriuImageFormatException">The file is not whole pages.</exception>
    public static PagesImageDigests Compute(string path, IPageHasher? hasher, CancellationToken cancellationToken)
    {
        hasher ??= Sha256PageHasher.Instance;
        using SafeFileHandle file = File.OpenHandle(path);
        var length = RandomAccess.GetLength(file);
        if (length % PageMap.PageSize != 0)
        {
            throw new CriuImageFormatException(path, $"holds {length} bytes, not whole pages");
        }
        var digests = new byte[length / PageMap.PageSize * hasher.DigestSize];
        var buffer = new byte[PresentRunReader.BatchPages * PageMap.PageSize];
        for (long offset = 0; offset < length; offset += buffer.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - offset));
            PresentRunReader.ReadExactly(file, path, chunk, offset);
            hasher.HashPages(chunk, digests.AsSpan((int)(offset / PageMap.PageSize * hasher.DigestSize)));
        }
        return new PagesImageDigests(Path.GetFileName(path), hasher.Algorithm, hasher.DigestSize, digests);
    }
}
