namespace Cryo.Criu.Images;

/// <summary>
/// The content hash of every page one pagemap image resolves (stored in its pages image or in a parent's), by
/// address, and the hash of that pagemap image itself, which ties the list to the images it describes.
/// </summary>
public sealed class PageMapHashes
{
    private readonly ReadOnlyMemory<ulong> _addresses;
    private readonly ReadOnlyMemory<byte> _hashes;
    private readonly byte[] _pageMapDigest;

    /// <summary>Creates the list; <paramref name="addresses"/> ascend and <paramref name="hashes"/> hold one digest per address.</summary>
    /// <param name="fileName">The pagemap image's file name, e.g. <c>pagemap-1.img</c>.</param>
    /// <param name="pageMapDigest">SHA-256 of the pagemap image's bytes as stored.</param>
    /// <param name="digestSize">Bytes per page hash.</param>
    /// <param name="addresses">The pages' addresses, strictly ascending.</param>
    /// <param name="hashes">The pages' hashes, back to back in address order.</param>
    /// <exception cref="ArgumentException">The addresses do not ascend, or the hashes do not match them in number.</exception>
    public PageMapHashes(string fileName, byte[] pageMapDigest, int digestSize, ulong[] addresses, byte[] hashes)
        : this(fileName, pageMapDigest, digestSize, (ReadOnlyMemory<ulong>)(addresses ?? throw new ArgumentNullException(nameof(addresses))),
            (ReadOnlyMemory<byte>)(hashes ?? throw new ArgumentNullException(nameof(hashes))))
    {
    }

    /// <summary>
    /// Creates the list over parts of larger buffers (a builder's, a parsed file's, a hasher's), wrapped, not copied:
    /// a 512 MiB image's list is 4 MiB of hashes and 1 MiB of addresses. Neither is written again.
    /// </summary>
    /// <param name="fileName">The pagemap image's file name, e.g. <c>pagemap-1.img</c>.</param>
    /// <param name="pageMapDigest">SHA-256 of the pagemap image's bytes as stored.</param>
    /// <param name="digestSize">Bytes per page hash.</param>
    /// <param name="addresses">The pages' addresses, strictly ascending.</param>
    /// <param name="hashes">The pages' hashes, back to back in address order.</param>
    /// <exception cref="ArgumentException">The addresses do not ascend, or the hashes do not match them in number.</exception>
    public PageMapHashes(string fileName, byte[] pageMapDigest, int digestSize, ReadOnlyMemory<ulong> addresses, ReadOnlyMemory<byte> hashes)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(pageMapDigest);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(digestSize);
        if (hashes.Length != (long)addresses.Length * digestSize)
        {
            throw new ArgumentException($"{hashes.Length} bytes of hashes for {addresses.Length} pages of {digestSize}-byte digests", nameof(hashes));
        }
        var ascending = addresses.Span;
        for (var i = 1; i < ascending.Length; i++)
        {
            if (ascending[i] <= ascending[i - 1])
            {
                throw new ArgumentException($"page addresses of {fileName} do not ascend at 0x{ascending[i]:x}", nameof(addresses));
            }
        }
        FileName = fileName;
        DigestSize = digestSize;
        _pageMapDigest = pageMapDigest;
        _addresses = addresses;
        _hashes = hashes;
    }

    /// <summary>The pagemap image's file name inside its images directory.</summary>
    public string FileName { get; }

    /// <summary>SHA-256 of the pagemap image as stored: a different file means this list no longer describes it.</summary>
    public ReadOnlySpan<byte> PageMapDigest => _pageMapDigest;

    /// <summary>Bytes per page hash.</summary>
    public int DigestSize { get; }

    /// <summary>How many pages.</summary>
    public int Count => _addresses.Length;

    /// <summary>The addresses, ascending.</summary>
    public ReadOnlySpan<ulong> Addresses => _addresses.Span;

    /// <summary>The hash of the <paramref name="index"/>-th page.</summary>
    public ReadOnlySpan<byte> HashAt(int index) => _hashes.Span.Slice(index * DigestSize, DigestSize);

    /// <summary>The position of <paramref name="address"/> in <see cref="Addresses"/>, or a negative number.</summary>
    public int IndexOf(ulong address) => _addresses.Span.BinarySearch(address);

    /// <summary>
    /// Whether the page at <paramref name="address"/> is listed with <paramref name="digest"/>. For callers walking
    /// addresses in ascending order: <paramref name="cursor"/> (start at 0) only moves forward, so a whole pagemap
    /// costs one pass over the list.
    /// </summary>
    public bool Matches(ulong address, ReadOnlySpan<byte> digest, ref int cursor)
    {
        var addresses = _addresses.Span;
        while (cursor < addresses.Length && addresses[cursor] < address)
        {
            cursor++;
        }
        return cursor < addresses.Length && addresses[cursor] == address && HashAt(cursor).SequenceEqual(digest);
    }

    internal ReadOnlyMemory<byte> HashBytes => _hashes;

    internal byte[] PageMapDigestBytes => _pageMapDigest;
}
