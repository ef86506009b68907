using Microsoft.Win32.SafeHandles;

namespace Cryo.Criu.Images;

/// <summary>
/// An images directory and the parents its <c>parent</c> links lead to, read as CRIU's restore reads them: a page in
/// a <see cref="PageMapFlags.Parent"/> run comes from the pagemap of the same file name one level up, recursively.
/// For checking and indexing increments; a restore itself is CRIU's business.
/// </summary>
public sealed class ImageChain : IDisposable
{
    /// <summary>Longest chain followed; a longer one is taken for a link loop.</summary>
    public const int MaxDepth = 128;

    private readonly Dictionary<string, PageMap?> _pageMaps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SafeFileHandle> _pagesFiles = new(StringComparer.Ordinal);

    private ImageChain(string imagesDirectory, ImageChain? parent)
    {
        ImagesDirectory = imagesDirectory;
        Parent = parent;
    }

    /// <summary>The images directory of this level.</summary>
    public string ImagesDirectory { get; }

    /// <summary>The level behind this one's <c>parent</c> link, or <c>null</c> when it has none.</summary>
    public ImageChain? Parent { get; }

    /// <summary>Levels in the chain, this one included.</summary>
    public int Length => 1 + (Parent?.Length ?? 0);

    /// <summary>Opens <paramref name="imagesDirectory"/> and, through their <c>parent</c> links, its ancestors.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory, or one a link leads to, does not exist.</exception>
    /// <exception cref="CriuImageFormatException">The links go deeper than <see cref="MaxDepth"/> (a loop).</exception>
    public static ImageChain Open(string imagesDirectory) => Open(Path.GetFullPath(imagesDirectory), 0);

    /// <summary>The pagemap image <paramref name="fileName"/> of this level, or <c>null</c> when it has none (CRIU then reads it as empty).</summary>
    /// <exception cref="CriuImageFormatException">The image does not decode.</exception>
    public PageMap? PageMap(string fileName)
    {
        if (!_pageMaps.TryGetValue(fileName, out var map))
        {
            var path = Path.Combine(ImagesDirectory, fileName);
            map = File.Exists(path) ? Images.PageMap.Read(path) : null;
            if (map is not null)
            {
                PresentRunReader.CheckLength(map, Path.Combine(ImagesDirectory, map.PagesFileName));
            }
            _pageMaps[fileName] = map;
        }
        return map;
    }

    /// <summary>
    /// Reads the page at <paramref name="address"/> of pagemap <paramref name="fileName"/> into
    /// <paramref name="destination"/> (one page), following parent runs; false when no run with contents holds it.
    /// </summary>
    /// <exception cref="CriuImageFormatException">A parent run leads to a level that lacks the page: a restore would fail.</exception>
    public bool ReadPage(string fileName, ulong address, Span<byte> destination) => ReadPage(fileName, address, destination, out _);

    /// <summary>
    /// Reads the page at <paramref name="address"/> as <see cref="ReadPage(string, ulong, Span{byte})"/> does, and gives
    /// the flags of the run that stores it (on the level that holds its contents, never <see cref="PageMapFlags.Parent"/>).
    /// </summary>
    /// <exception cref="CriuImageFormatException">A parent run leads to a level that lacks the page: a restore would fail.</exception>
    public bool ReadPage(string fileName, ulong address, Span<byte> destination, out PageMapFlags storedAs)
    {
        storedAs = PageMapFlags.None;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Images.PageMap.PageSize, nameof(destination));
        var map = PageMap(fileName);
        var index = map?.FindRun(address) ?? -1;
        if (map is null || index < 0)
        {
            return false;
        }
        var run = map.Runs[index];
        if (run.IsInParent)
        {
            if (Parent is null)
            {
                throw new CriuImageFormatException(Path.Combine(ImagesDirectory, fileName),
                    $"keeps page 0x{address:x} in the parent, but the directory has no {CriuImageFiles.ParentLink} link");
            }
            if (!Parent.ReadPage(fileName, address, destination, out storedAs))
            {
                throw new CriuImageFormatException(Path.Combine(ImagesDirectory, fileName),
                    $"keeps page 0x{address:x} in the parent, which does not hold it ({Parent.ImagesDirectory})");
            }
            return true;
        }
        if (!run.IsPresent)
        {
            return false;
        }
        var offset = map.RunOffset(index) + (long)(address - run.Address);
        var pagesPath = Path.Combine(ImagesDirectory, map.PagesFileName);
        PresentRunReader.ReadExactly(PagesFile(pagesPath), pagesPath, destination[..Images.PageMap.PageSize], offset);
        storedAs = run.Flags;
        return true;
    }

    /// <summary>
    /// Adds to <paramref name="extents"/>, in address order, where the <paramref name="pageCount"/> pages from
    /// <paramref name="address"/> of pagemap <paramref name="fileName"/> are stored, following parent runs: a run at a
    /// time, so a restore-sized chain resolves in one pass over its pagemaps. Returns the first page no run with
    /// contents holds, or <c>null</c> when every page has contents.
    /// </summary>
    /// <exception cref="CriuImageFormatException">A parent run leads to a level that lacks the page: a restore would fail.</exception>
    internal ulong? Resolve(string fileName, ulong address, ulong pageCount, List<PageExtent> extents)
    {
        var map = PageMap(fileName);
        if (map is null)
        {
            return address;
        }
        var end = address + pageCount * Images.PageMap.PageSize;
        var index = map.FindRun(address);
        if (index < 0)
        {
            return address;
        }
        var runs = map.Runs;
        while (address < end)
        {
            if (index >= runs.Count || runs[index].Address > address || !runs[index].HasContent)
            {
                return address;
            }
            var run = runs[index];
            var pages = (Math.Min(end, run.End) - address) / Images.PageMap.PageSize;
            if (run.IsInParent)
            {
                if (Parent is null)
                {
                    throw new CriuImageFormatException(Path.Combine(ImagesDirectory, fileName),
                        $"keeps page 0x{address:x} in the parent, but the directory has no {CriuImageFiles.ParentLink} link");
                }
                if (Parent.Resolve(fileName, address, pages, extents) is { } missing)
                {
                    throw new CriuImageFormatException(Path.Combine(ImagesDirectory, fileName),
                        $"keeps page 0x{missing:x} in the parent, which does not hold it ({Parent.ImagesDirectory})");
                }
            }
            else
            {
                var pagesPath = Path.Combine(ImagesDirectory, map.PagesFileName);
                extents.Add(new PageExtent(address, pages, run.Flags, PagesFile(pagesPath), pagesPath, map.RunOffset(index) + (long)(address - run.Address)));
            }
            address += pages * Images.PageMap.PageSize;
            index++;
        }
        return null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var handle in _pagesFiles.Values)
        {
            handle.Dispose();
        }
        _pagesFiles.Clear();
        Parent?.Dispose();
    }

    private SafeFileHandle PagesFile(string path)
    {
        if (!_pagesFiles.TryGetValue(path, out var handle))
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            _pagesFiles[path] = handle;
        }
        return handle;
    }

    private static ImageChain Open(string directory, int depth)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"images directory {directory} does not exist");
        }
        if (depth >= MaxDepth)
        {
            throw new CriuImageFormatException(directory, $"is more than {MaxDepth} parent links deep: a link loop?");
        }
        var link = Path.Combine(directory, CriuImageFiles.ParentLink);
        // Named by where the link leads, so that errors name the parent's own directory.
        var parent = Directory.Exists(link) ? Open(Directory.ResolveLinkTarget(link, returnFinalTarget: true)?.FullName ?? link, depth + 1) : null;
        return new ImageChain(directory, parent);
    }
}
