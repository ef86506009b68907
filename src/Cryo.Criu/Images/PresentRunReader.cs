using Microsoft.Win32.SafeHandles;

namespace Cryo.Criu.Images;

/// <summary>
/// Reads the present runs of a pagemap from its pages image in batches and hashes them: one buffer reused for the
/// whole image, sequential reads (the images were usually just written, so they come from the page cache).
/// </summary>
internal sealed class PresentRunReader
{
    /// <summary>Pages per batch: 1 MiB, CRIU's own pipe-sized chunk.</summary>
    public const int BatchPages = 256;

    private readonly IPageHasher _hasher;
    private readonly byte[] _pages = new byte[BatchPages * PageMap.PageSize];
    private readonly byte[] _digests;

    public PresentRunReader(IPageHasher hasher)
    {
        _hasher = hasher;
        _digests = new byte[BatchPages * hasher.DigestSize];
    }

    /// <summary>Checks that the pages image at <paramref name="pagesPath"/> holds exactly the map's present pages.</summary>
    /// <exception cref="CriuImageFormatException">It is missing or of another size.</exception>
    public static void CheckLength(PageMap map, string pagesPath)
    {
        var info = new FileInfo(pagesPath);
        if (!info.Exists)
        {
            if (map.PresentPageCount == 0)
            {
                return;
            }
            throw new CriuImageFormatException(pagesPath, $"is missing, though its pagemap has {map.PresentPageCount} present pages");
        }
        if (info.Length != map.PagesImageLength)
        {
            throw new CriuImageFormatException(pagesPath,
                $"holds {info.Length} bytes where its pagemap's {map.PresentPageCount} present pages take {map.PagesImageLength}");
        }
    }

    /// <summary>Hands every page of present run <paramref name="runIndex"/> to <paramref name="visitor"/>, batch by batch.</summary>
    public void ReadRun(SafeFileHandle pagesFile, string pagesPath, PageMap map, int runIndex, PageBatchVisitor visitor,
        CancellationToken cancellationToken)
    {
        var run = map.Runs[runIndex];
        var offset = map.RunOffset(runIndex);
        var remaining = run.PageCount;
        var address = run.Address;
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = (int)Math.Min(remaining, BatchPages);
            var bytes = _pages.AsSpan(0, count * PageMap.PageSize);
            ReadExactly(pagesFile, pagesPath, bytes, offset);
            var digests = _digests.AsSpan(0, count * _hasher.DigestSize);
            _hasher.HashPages(bytes, digests);
            visitor(address, bytes, digests);
            offset += bytes.Length;
            address += (ulong)bytes.Length;
            remaining -= (ulong)count;
        }
    }

    /// <summary>Reads exactly <paramref name="destination"/>'s length at <paramref name="offset"/>.</summary>
    /// <exception cref="CriuImageFormatException">The file ends first.</exception>
    public static void ReadExactly(SafeFileHandle file, string path, Span<byte> destination, long offset)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var n = RandomAccess.Read(file, destination[done..], offset + done);
            if (n == 0)
            {
                throw new CriuImageFormatException(path, $"ends at {offset + done}, inside a page it should hold");
            }
            done += n;
        }
    }
}
