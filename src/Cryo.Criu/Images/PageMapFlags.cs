namespace Cryo.Criu.Images;

/// <summary>The <c>flags</c> of a pagemap entry (CRIU's <c>PE_*</c>, <c>criu/include/pagemap.h</c>).</summary>
[Flags]
public enum PageMapFlags : uint
{
    /// <summary>No pages stored here nor in a parent: nothing to restore for the run.</summary>
    None = 0,

    /// <summary><c>PE_PARENT</c>: the pages are in the parent images (the <c>parent</c> link), at the same address.</summary>
    Parent = 1 << 0,

    /// <summary>
    /// <c>PE_LAZY</c>: the pages may be restored on demand (<c>--lazy-pages</c>). CRIU sets it on every anonymous
    /// private run; with <see cref="Present"/> the pages are in the pages image as well.
    /// </summary>
    Lazy = 1 << 1,

    /// <summary><c>PE_PRESENT</c>: the pages are in this pagemap's pages image, following those of the runs before.</summary>
    Present = 1 << 2,
}
