using Microsoft.Win32.SafeHandles;

namespace Cryo.Criu.Images;

/// <summary>
/// Consecutive pages of a chain's pagemap and where their contents are stored: a stretch of one level's pages image
/// (<see cref="ImageChain.Resolve"/>).
/// </summary>
/// <param name="Address">Address of the first page.</param>
/// <param name="PageCount">How many pages, at least one.</param>
/// <param name="StoredAs">The flags of the run that stores them, on the level holding their contents (never <see cref="PageMapFlags.Parent"/>).</param>
/// <param name="PagesFile">That level's pages image, open for reading (the chain owns it).</param>
/// <param name="PagesPath">Its path, for errors.</param>
/// <param name="Offset">Offset of the first page in it.</param>
internal readonly record struct PageExtent(ulong Address, ulong PageCount, PageMapFlags StoredAs, SafeFileHandle PagesFile, string PagesPath, long Offset)
{
    /// <summary>Bytes the pages take.</summary>
    public long Length => (long)PageCount * PageMap.PageSize;

    /// <summary>Whether <paramref name="next"/>'s pages follow this extent's in the same pages image (one copy takes both).</summary>
    public bool Continues(PageExtent next) => next.PagesFile == PagesFile && next.Offset == Offset + Length;
}
