using Cryo.Criu.Images.Protos;

namespace Cryo.Criu.Images;

/// <summary>
/// A pagemap image (<c>pagemap-PID.img</c> for a task, <c>pagemap-shmem-ID.img</c> for shared memory): which
/// pages a restore fills and where their contents are.
/// </summary>
/// <remarks>
/// <para>The image is a <c>PagemapHead</c> naming the pages image (<c>pages-K.img</c>, K = <see cref="PagesId"/>),
/// then one <c>PagemapEntry</c> per run of pages, in ascending address order. The pages image is raw (no magic):
/// the contents of the <see cref="PageMapFlags.Present"/> runs, page after page, in the order of the runs. Runs
/// without that flag take no room in it: <see cref="PageMapFlags.Parent"/> runs are read from the pagemap of the
/// same name in the <c>parent</c> images directory, at the same addresses (CRIU's <c>read_parent_page</c>, which
/// splits a run across the parent's entries as needed); runs with neither flag are not restored from the images
/// (lazy pages left to a page server).</para>
/// <para>CRIU reads a pagemap strictly forward (<c>seek_pagemap</c>), so runs must ascend without overlapping; this
/// type checks that. Reading applies CRIU's compatibility rules (<c>init_compat_pagemap_entry</c>): <c>in_parent</c>
/// means <see cref="PageMapFlags.Parent"/>, missing flags mean <see cref="PageMapFlags.Present"/>, a missing
/// <c>nr_pages</c> means <c>compat_nr_pages</c>. Writing follows CRIU 4.2: <c>compat_nr_pages</c> 0, the count in
/// <c>nr_pages</c>, the flags always set.</para>
/// </remarks>
public sealed class PageMap
{
    /// <summary>Bytes per page in the images (x86-64; CRIU uses the system's page size).</summary>
    public const int PageSize = 4096;

    private readonly PageRun[] _runs;
    private readonly long[] _offsets;

    /// <summary>Creates a pagemap from its runs.</summary>
    /// <param name="pagesId">The K of the <c>pages-K.img</c> that holds the present runs' contents.</param>
    /// <param name="runs">The runs, ascending and not overlapping.</param>
    /// <exception cref="ArgumentException">The runs are empty, unaligned, out of order, overlapping or flagged both present and in parent.</exception>
    public PageMap(uint pagesId, IEnumerable<PageRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        PagesId = pagesId;
        _runs = runs.ToArray();
        _offsets = new long[_runs.Length];
        var problem = Validate(_runs, _offsets, out var present, out var inParent);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(runs));
        }
        PresentPageCount = present;
        InParentPageCount = inParent;
    }

    /// <summary>The K of <c>pages-K.img</c>, the pages image of this pagemap.</summary>
    public uint PagesId { get; }

    /// <summary>The runs in ascending address order.</summary>
    public IReadOnlyList<PageRun> Runs => _runs;

    /// <summary>File name of the pages image, <c>pages-K.img</c>.</summary>
    public string PagesFileName => CriuImageFiles.PagesFileName(PagesId);

    /// <summary>Pages stored in the pages image.</summary>
    public long PresentPageCount { get; }

    /// <summary>Pages to be read from the parent images.</summary>
    public long InParentPageCount { get; }

    /// <summary>Pages a restore fills from the images: <see cref="PresentPageCount"/> + <see cref="InParentPageCount"/>.</summary>
    public long ContentPageCount => PresentPageCount + InParentPageCount;

    /// <summary>The size the pages image must have: every present page, nothing else.</summary>
    public long PagesImageLength => PresentPageCount * PageSize;

    /// <summary>Offset in the pages image of the first page of run <paramref name="runIndex"/> (where it would be, if not present).</summary>
    public long RunOffset(int runIndex) => _offsets[runIndex];

    /// <summary>Index of the run holding <paramref name="address"/>, or -1.</summary>
    public int FindRun(ulong address)
    {
        int low = 0, high = _runs.Length - 1;
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            var run = _runs[middle];
            if (address < run.Address)
            {
                high = middle - 1;
            }
            else if (address >= run.End)
            {
                low = middle + 1;
            }
            else
            {
                return middle;
            }
        }
        return -1;
    }

    /// <summary>Every present page with its offset in the pages image, in address (and file) order.</summary>
    public IEnumerable<PageLocation> PresentPages()
    {
        for (var i = 0; i < _runs.Length; i++)
        {
            if (!_runs[i].IsPresent)
            {
                continue;
            }
            for (var page = 0UL; page < _runs[i].PageCount; page++)
            {
                yield return new PageLocation(_runs[i].Address + page * PageSize, _offsets[i] + (long)page * PageSize);
            }
        }
    }

    /// <summary>The address of every present page, in run (and so address) order: what a list of their hashes is keyed by.</summary>
    internal ulong[] PresentAddresses()
    {
        var addresses = GC.AllocateUninitializedArray<ulong>(checked((int)PresentPageCount));
        var at = 0;
        foreach (var run in _runs)
        {
            if (!run.IsPresent)
            {
                continue;
            }
            for (var page = 0UL; page < run.PageCount; page++)
            {
                addresses[at++] = run.Address + page * PageSize;
            }
        }
        return addresses;
    }

    /// <summary>Reads the pagemap image at <paramref name="path"/>.</summary>
    /// <exception cref="CriuImageFormatException">It is not a pagemap image CRIU could read.</exception>
    public static PageMap Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 << 10);
        return Read(stream, path);
    }

    /// <summary>Reads a pagemap image from <paramref name="stream"/>; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="CriuImageFormatException">It is not a pagemap image CRIU could read.</exception>
    public static PageMap Read(Stream stream, string name)
    {
        using var reader = new CriuImageReader(stream, CriuImageKind.PageMap, name);
        var head = reader.ReadRequired(PagemapHead.Parser);
        if (!head.HasPagesId)
        {
            throw new CriuImageFormatException(name, "its head names no pages image (pages_id missing)");
        }
        var runs = new List<PageRun>();
        while (reader.Read(PagemapEntry.Parser) is { } entry)
        {
            runs.Add(ToRun(entry));
        }
        try
        {
            return new PageMap(head.PagesId, runs);
        }
        catch (ArgumentException e)
        {
            throw new CriuImageFormatException(name, e.Message, e);
        }
    }

    /// <summary>Writes the pagemap image (magic, head, entries) to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        using var writer = new CriuImageWriter(stream, CriuImageKind.PageMap);
        writer.Write(new PagemapHead { PagesId = PagesId });
        foreach (var run in _runs)
        {
            writer.Write(new PagemapEntry
            {
                Vaddr = run.Address,
                CompatNrPages = 0,
                Flags = (uint)run.Flags,
                NrPages = run.PageCount,
            });
        }
    }

    /// <summary>The pagemap image's bytes, as <see cref="WriteTo"/> writes them.</summary>
    public byte[] ToImageBytes()
    {
        using var buffer = new MemoryStream();
        WriteTo(buffer);
        return buffer.ToArray();
    }

    private static PageRun ToRun(PagemapEntry entry)
    {
        var count = entry.HasNrPages ? entry.NrPages : entry.CompatNrPages;
        PageMapFlags flags;
        if (entry.HasInParent && entry.InParent)
        {
            flags = (PageMapFlags)entry.Flags | PageMapFlags.Parent;
        }
        else
        {
            flags = entry.HasFlags ? (PageMapFlags)entry.Flags : PageMapFlags.Present;
        }
        return new PageRun(entry.Vaddr, count, flags);
    }

    private static string? Validate(PageRun[] runs, long[] offsets, out long present, out long inParent)
    {
        present = 0;
        inParent = 0;
        var previousEnd = 0UL;
        for (var i = 0; i < runs.Length; i++)
        {
            var run = runs[i];
            if (run.PageCount == 0)
            {
                return $"run {i} at 0x{run.Address:x} has no pages";
            }
            if (run.Address % PageSize != 0)
            {
                return $"run {i} at 0x{run.Address:x} is not page-aligned";
            }
            if (run.PageCount > (ulong.MaxValue - run.Address) / PageSize)
            {
                return $"run {i} at 0x{run.Address:x} with {run.PageCount} pages passes the end of the address space";
            }
            if (i > 0 && run.Address < previousEnd)
            {
                return $"run {i} at 0x{run.Address:x} starts before the end of the run before it (0x{previousEnd:x}): runs must ascend";
            }
            if (run.IsPresent && run.IsInParent)
            {
                return $"run {i} at 0x{run.Address:x} is flagged both present and in parent";
            }
            if ((run.Flags & ~(PageMapFlags.Parent | PageMapFlags.Lazy | PageMapFlags.Present)) != 0)
            {
                return $"run {i} at 0x{run.Address:x} has unknown flags 0x{(uint)run.Flags:x}";
            }
            offsets[i] = present * PageSize;
            if (run.IsPresent)
            {
                present += (long)run.PageCount;
            }
            else if (run.IsInParent)
            {
                inParent += (long)run.PageCount;
            }
            previousEnd = run.End;
        }
        return null;
    }
}
