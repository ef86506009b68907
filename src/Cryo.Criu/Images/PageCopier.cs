using Microsoft.Win32.SafeHandles;

namespace Cryo.Criu.Images;

/// <summary>Copies chosen pages of a pages image to a new one, in file order, reading consecutive pages together.</summary>
internal sealed class PageCopier
{
    private readonly SafeFileHandle _source;
    private readonly string _sourcePath;
    private readonly Stream _output;
    private readonly byte[] _buffer = new byte[PresentRunReader.BatchPages * PageMap.PageSize];
    private long _start = -1;
    private int _length;

    public PageCopier(SafeFileHandle source, string sourcePath, Stream output)
    {
        _source = source;
        _sourcePath = sourcePath;
        _output = output;
    }

    /// <summary>Adds the page at <paramref name="offset"/> of the source; offsets must ascend.</summary>
    public void Add(long offset)
    {
        if (_start >= 0 && _start + _length == offset && _length < _buffer.Length)
        {
            _length += PageMap.PageSize;
            return;
        }
        Flush();
        _start = offset;
        _length = PageMap.PageSize;
    }

    /// <summary>Copies what is pending.</summary>
    public void Flush()
    {
        if (_start < 0)
        {
            return;
        }
        var range = _buffer.AsSpan(0, _length);
        PresentRunReader.ReadExactly(_source, _sourcePath, range, _start);
        _output.Write(range);
        _start = -1;
        _length = 0;
    }
}
