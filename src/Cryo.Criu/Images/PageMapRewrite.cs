namespace Cryo.Criu.Images;

/// <summary>
/// The runs of one rewritten pagemap, built page by page in address order: a page whose hash the parent lists for
/// the same address goes into a <see cref="PageMapFlags.Parent"/> run, any other keeps its run's flags and must be
/// stored. Runs are only ever split, never merged across CRIU's own boundaries.
/// </summary>
internal sealed class PageMapRewrite
{
    private readonly PageMapHashes _parentHashes;
    private readonly PageMap _parentMap;
    private readonly string _parentPath;
    private readonly PageMapHashesBuilder? _hashes;
    private readonly List<PageRun> _runs = [];
    private PageRun _pending;
    private int _hashCursor;
    private int _runCursor;

    /// <param name="parentHashes">The parent's hashes for this pagemap.</param>
    /// <param name="parentMap">The parent's pagemap of the same name, which must hold every page left to it.</param>
    /// <param name="parentPath">Its path, for errors.</param>
    /// <param name="hashes">Receives the hash of every page, for the dump's own index; null when the caller has them already (digests made while CRIU wrote the pages).</param>
    public PageMapRewrite(PageMapHashes parentHashes, PageMap parentMap, string parentPath, PageMapHashesBuilder? hashes)
    {
        _parentHashes = parentHashes;
        _parentMap = parentMap;
        _parentPath = parentPath;
        _hashes = hashes;
    }

    /// <summary>The runs so far.</summary>
    public IReadOnlyList<PageRun> Runs => _runs;

    /// <summary>Pages left to the parent.</summary>
    public long InParent { get; private set; }

    /// <summary>Pages to store.</summary>
    public long Stored { get; private set; }

    /// <summary>Takes over a run without pages in the pages image as it is.</summary>
    public void Keep(PageRun run)
    {
        EndRun();
        _runs.Add(run);
    }

    /// <summary>Places the next page of a present run; true when it must be stored (it differs from the parent's).</summary>
    /// <exception cref="CriuImageFormatException">The parent's index lists the page but its pagemap has no contents for it.</exception>
    public bool Take(ulong address, ReadOnlySpan<byte> digest, PageMapFlags runFlags)
    {
        _hashes?.Add(address, digest);
        var unchanged = _parentHashes.Matches(address, digest, ref _hashCursor);
        if (unchanged && !ParentHasContent(address))
        {
            throw new CriuImageFormatException(_parentPath, $"holds no contents for page 0x{address:x}, which the parent's page index lists");
        }
        var flags = unchanged ? PageMapFlags.Parent : runFlags;
        if (_pending.PageCount > 0 && _pending.Flags == flags && _pending.End == address)
        {
            _pending = _pending with { PageCount = _pending.PageCount + 1 };
        }
        else
        {
            EndRun();
            _pending = new PageRun(address, 1, flags);
        }
        if (unchanged)
        {
            InParent++;
        }
        else
        {
            Stored++;
        }
        return !unchanged;
    }

    /// <summary>Closes the run being built; call at the end of each of CRIU's runs.</summary>
    public void EndRun()
    {
        if (_pending.PageCount > 0)
        {
            _runs.Add(_pending);
        }
        _pending = default;
    }

    private bool ParentHasContent(ulong address)
    {
        var runs = _parentMap.Runs;
        while (_runCursor < runs.Count && runs[_runCursor].End <= address)
        {
            _runCursor++;
        }
        return _runCursor < runs.Count && runs[_runCursor].Contains(address) && runs[_runCursor].HasContent;
    }
}
