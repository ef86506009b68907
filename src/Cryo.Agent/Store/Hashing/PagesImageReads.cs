using Cryo.Criu.Images;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// One pages image of a chain's parent as a restore of the chain reads it: which of its pages must be hashed (those the
/// restore reads, and any the page index lacks), and the digest its page index records for every other page.
/// </summary>
public sealed class PagesImageReads
{
    private readonly bool[] hash;
    private readonly byte[] indexDigests;

    private PagesImageReads(bool[] hash, byte[] indexDigests)
    {
        this.hash = hash;
        this.indexDigests = indexDigests;
    }

    /// <summary>Pages in the image.</summary>
    public int PageCount => hash.Length;

    /// <summary>Pages to hash: read by the restore, or not in the index.</summary>
    public int HashedCount => hash.Count(h => h);

    /// <summary>Whether page <paramref name="page"/> (by position in the file) must be hashed.</summary>
    public bool MustHash(int page) => hash[page];

    /// <summary>Whether any of <paramref name="count"/> pages from <paramref name="first"/> must be hashed.</summary>
    public bool AnyToHash(int first, int count) => hash.AsSpan(first, count).Contains(true);

    /// <summary>The index's digest of page <paramref name="page"/>; meaningful where <see cref="MustHash"/> is false.</summary>
    public ReadOnlySpan<byte> IndexDigest(int page) => indexDigests.AsSpan(page * PageDigests.DigestSize, PageDigests.DigestSize);

    /// <summary>
    /// The pages of <paramref name="map"/>'s pages image, <paramref name="read"/> those a restore reads (by position in the
    /// file; taken over, not copied), with every other page's digest from <paramref name="hashes"/>, the level's page index
    /// of that pagemap (which lists every page the pagemap resolves, its present ones included).
    /// </summary>
    public static PagesImageReads Of(PageMap map, bool[] read, PageMapHashes hashes)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(hashes);
        if (read.Length != map.PresentPageCount)
        {
            throw new ArgumentException($"{read.Length} pages read for {map.PresentPageCount} present pages", nameof(read));
        }

        var digests = new byte[read.LongLength * PageDigests.DigestSize];
        var addresses = hashes.Addresses;
        var cursor = 0;
        // Present pages come in address order, as the index lists them: one pass over both.
        foreach (var location in map.PresentPages())
        {
            var page = (int)(location.Offset / PageMap.PageSize);
            while (cursor < addresses.Length && addresses[cursor] < location.Address)
            {
                cursor++;
            }
            if (read[page])
            {
                continue;
            }
            if (cursor < addresses.Length && addresses[cursor] == location.Address)
            {
                hashes.HashAt(cursor).CopyTo(digests.AsSpan(page * PageDigests.DigestSize));
            }
            else
            {
                read[page] = true;
            }
        }
        return new PagesImageReads(read, digests);
    }
}
