namespace Cryo.Criu.Images;

/// <summary>Collects the page hashes of one pagemap image in ascending address order.</summary>
internal sealed class PageMapHashesBuilder
{
    private readonly string _fileName;
    private readonly int _digestSize;
    private ulong[] _addresses;
    private byte[] _hashes;

    public PageMapHashesBuilder(string fileName, int digestSize, long expectedPages)
    {
        _fileName = fileName;
        _digestSize = digestSize;
        var capacity = (int)Math.Clamp(expectedPages, 16, int.MaxValue / 64);
        _addresses = new ulong[capacity];
        _hashes = new byte[capacity * digestSize];
    }

    public int Count { get; private set; }

    public void Add(ulong address, ReadOnlySpan<byte> digest)
    {
        if (Count > 0 && address <= _addresses[Count - 1])
        {
            throw new InvalidOperationException($"{_fileName}: page 0x{address:x} does not follow 0x{_addresses[Count - 1]:x}");
        }
        if (Count == _addresses.Length)
        {
            Array.Resize(ref _addresses, _addresses.Length * 2);
            Array.Resize(ref _hashes, _hashes.Length * 2);
        }
        _addresses[Count] = address;
        digest[.._digestSize].CopyTo(_hashes.AsSpan(Count * _digestSize, _digestSize));
        Count++;
    }

    /// <summary>Adds the pages of a run from <paramref name="firstAddress"/> on, one digest each in <paramref name="digests"/>, copied at once.</summary>
    public void AddRun(ulong firstAddress, ReadOnlySpan<byte> digests)
    {
        var pages = digests.Length / _digestSize;
        if (pages == 0)
        {
            return;
        }
        if (Count > 0 && firstAddress <= _addresses[Count - 1])
        {
            throw new InvalidOperationException($"{_fileName}: page 0x{firstAddress:x} does not follow 0x{_addresses[Count - 1]:x}");
        }
        var needed = Count + pages;
        if (needed > _addresses.Length)
        {
            var capacity = Math.Max(needed, _addresses.Length * 2);
            Array.Resize(ref _addresses, capacity);
            Array.Resize(ref _hashes, capacity * _digestSize);
        }
        for (var p = 0; p < pages; p++)
        {
            _addresses[Count + p] = firstAddress + ((ulong)p * PageMap.PageSize);
        }
        digests[..(pages * _digestSize)].CopyTo(_hashes.AsSpan(Count * _digestSize));
        Count = needed;
    }

    // The builder's buffers as they are, not trimmed copies: the builder is done with them.
    public PageMapHashes Build(byte[] pageMapDigest) =>
        new(_fileName, pageMapDigest, _digestSize, _addresses.AsMemory(0, Count), _hashes.AsMemory(0, Count * _digestSize));
}
