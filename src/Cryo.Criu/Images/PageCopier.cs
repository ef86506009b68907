using Microsoft.Win32.SafeHandles;

namespace Cryo.Criu.Images;

/// <summary>
/// Copies chosen pages of a pages image to a new one, in file order: each stretch of consecutive chosen pages is read
/// by one <c>pread</c> straight into a large buffer, and the buffer goes out by one <c>pwrite</c> when full. An
/// increment of randomly rewritten memory stores mostly single pages, so the reads are many and small; gathering them
/// keeps the writes few and large, and no byte passes through a second buffer (a stream's) on the way.
/// </summary>
internal static class PageCopier
{
    /// <summary>Bytes gathered before a write: large enough that writes cost nothing beside the reads.</summary>
    public const int DefaultBufferBytes = 4 << 20;

    /// <summary>Pages below which a copy is not split: starting a worker costs more than a few MiB of copying.</summary>
    public const int MinPagesPerPart = 2048;

    /// <summary>
    /// As <see cref="Copy(SafeFileHandle, string, ReadOnlySpan{long}, SafeFileHandle, long, Span{byte}, CancellationToken)"/>
    /// from the start of <paramref name="target"/>, the pages split into up to <paramref name="parts"/> consecutive
    /// shares copied at once, each to its own place (its pages' offsets in the new file are known). The copy is many small
    /// reads from the page cache, each a system call: bound by one core's speed at them, not by the disk, so a second
    /// core nearly halves it. Returns when every share is done, the first failure thrown.
    /// </summary>
    /// <param name="source">The pages image to copy from.</param>
    /// <param name="sourcePath">Its path, for errors.</param>
    /// <param name="pages">Page numbers in the source, strictly ascending.</param>
    /// <param name="target">The file to write, open for writing.</param>
    /// <param name="parts">How many shares at most (the cores to use); fewer when there are few pages.</param>
    /// <param name="cancellationToken">Checked after each write.</param>
    /// <exception cref="CriuImageFormatException">The source ends before a page it should hold.</exception>
    public static void CopySplit(SafeFileHandle source, string sourcePath, long[] pages, SafeFileHandle target, int parts, CancellationToken cancellationToken)
    {
        parts = Math.Clamp(Math.Min(parts, pages.Length / MinPagesPerPart), 1, 64);
        var share = (pages.Length + parts - 1) / parts;
        void CopyPart(int part)
        {
            var first = part * share;
            var count = Math.Min(share, pages.Length - first);
            Copy(source, sourcePath, pages.AsSpan(first, count), target, (long)first * PageMap.PageSize, AlignedBuffer(DefaultBufferBytes).Span, cancellationToken);
        }
        var others = Enumerable.Range(1, parts - 1).Select(part => Task.Run(() => CopyPart(part), cancellationToken)).ToList();
        try
        {
            CopyPart(0);
        }
        finally
        {
            // Every share is waited for, failed or not: the caller closes or removes the file next.
            Task.WhenAll(others).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
        }
        foreach (var other in others)
        {
            other.GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Copies the pages numbered <paramref name="pages"/> (ascending, by position in <paramref name="source"/>) back to
    /// back into <paramref name="target"/>, from <paramref name="targetOffset"/> on.
    /// </summary>
    /// <param name="source">The pages image to copy from.</param>
    /// <param name="sourcePath">Its path, for errors.</param>
    /// <param name="pages">Page numbers in the source, strictly ascending.</param>
    /// <param name="target">The file to write, open for writing; written by offset, so several copies may share it.</param>
    /// <param name="targetOffset">Where the first page goes.</param>
    /// <param name="buffer">The gathering buffer, whole pages (page-aligned for a target opened with <see cref="OwnerOnlyFile.CreateDirect"/>); each caller running at once needs its own.</param>
    /// <param name="cancellationToken">Checked after each write.</param>
    /// <exception cref="CriuImageFormatException">The source ends before a page it should hold.</exception>
    public static void Copy(SafeFileHandle source, string sourcePath, ReadOnlySpan<long> pages, SafeFileHandle target, long targetOffset, Span<byte> buffer,
        CancellationToken cancellationToken)
    {
        if (buffer.Length < PageMap.PageSize || buffer.Length % PageMap.PageSize != 0)
        {
            throw new ArgumentException($"a buffer of {buffer.Length} bytes does not hold whole pages", nameof(buffer));
        }
        var filled = 0;
        var i = 0;
        while (i < pages.Length)
        {
            // The longest stretch of consecutive pages that still fits: one read.
            var room = (buffer.Length - filled) / PageMap.PageSize;
            var count = 1;
            while (count < room && i + count < pages.Length && pages[i + count] == pages[i] + count)
            {
                count++;
            }
            PresentRunReader.ReadExactly(source, sourcePath, buffer.Slice(filled, count * PageMap.PageSize), pages[i] * PageMap.PageSize);
            filled += count * PageMap.PageSize;
            i += count;
            if (filled == buffer.Length)
            {
                RandomAccess.Write(target, buffer[..filled], targetOffset);
                targetOffset += filled;
                filled = 0;
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        if (filled > 0)
        {
            RandomAccess.Write(target, buffer[..filled], targetOffset);
        }
    }

    /// <summary>A buffer of <paramref name="bytes"/> starting on a page boundary, as direct writes need: a pinned array one page longer, sliced.</summary>
    internal static Memory<byte> AlignedBuffer(int bytes)
    {
        var array = GC.AllocateUninitializedArray<byte>(bytes + PageMap.PageSize, pinned: true);
        var address = (long)System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
        var skip = (int)((PageMap.PageSize - address % PageMap.PageSize) % PageMap.PageSize);
        return array.AsMemory(skip, bytes);
    }
}
