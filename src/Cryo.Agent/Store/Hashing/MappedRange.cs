namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// A range of a file mapped read-only, for hashing it without the copy a read makes. Only for files on a local file
/// system (<see cref="LocalFilesystem"/>): a page the file no longer covers raises SIGBUS.
/// </summary>
internal sealed unsafe class MappedRange : IDisposable
{
    private readonly nint address;
    private readonly long mappedLength;
    private readonly int skip;

    private MappedRange(nint address, long mappedLength, int skip, long length)
    {
        this.address = address;
        this.mappedLength = mappedLength;
        this.skip = skip;
        Length = length;
    }

    /// <summary>Bytes mapped from the range's offset: fewer than asked when the file ends first.</summary>
    public long Length { get; }

    /// <summary>
    /// Maps <paramref name="range"/> (its part the file still covers); null when mmap(2) refuses or the range is longer than a
    /// span can hold, and the caller reads instead.
    /// </summary>
    public static MappedRange? TryMap(FileRange range)
    {
        var length = Math.Min(range.Length, RandomAccess.GetLength(range.Handle) - range.Offset);
        if (length <= 0 || length > int.MaxValue - Environment.SystemPageSize)
        {
            return null;
        }

        // mmap takes page-aligned offsets: chunk sizes from a manifest need not be multiples of a page.
        var skip = (int)(range.Offset % Environment.SystemPageSize);
        return NativeMethods.TryMapReadOnly(range.Handle, range.Offset - skip, skip + length, out var address)
            ? new MappedRange(address, skip + length, skip, length)
            : null;
    }

    /// <summary>The mapped bytes.</summary>
    public ReadOnlySpan<byte> Span => new((byte*)address + skip, (int)Length);

    public void Dispose() => NativeMethods.Unmap(address, mappedLength);
}
