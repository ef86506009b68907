namespace Cryo.Criu.Images;

/// <summary>One pagemap entry: <paramref name="PageCount"/> consecutive pages from <paramref name="Address"/>.</summary>
/// <param name="Address">Virtual address of the first page (for shared memory pagemaps: its offset in the object).</param>
/// <param name="PageCount">How many pages, at least one.</param>
/// <param name="Flags">Where their contents are.</param>
public readonly record struct PageRun(ulong Address, ulong PageCount, PageMapFlags Flags)
{
    /// <summary>The address just past the last page.</summary>
    public ulong End => Address + PageCount * PageMap.PageSize;

    /// <summary>Whether the pages are stored in this pagemap's pages image (<see cref="PageMapFlags.Present"/>).</summary>
    public bool IsPresent => (Flags & PageMapFlags.Present) != 0;

    /// <summary>Whether the pages are to be read from the parent images (<see cref="PageMapFlags.Parent"/>).</summary>
    public bool IsInParent => (Flags & PageMapFlags.Parent) != 0;

    /// <summary>Whether a restore finds contents for these pages, here or in the parent.</summary>
    public bool HasContent => IsPresent || IsInParent;

    /// <summary>Whether <paramref name="address"/> lies in this run.</summary>
    public bool Contains(ulong address) => address >= Address && address < End;

    /// <inheritdoc />
    public override string ToString() => $"0x{Address:x}+{PageCount} {Flags}";
}
