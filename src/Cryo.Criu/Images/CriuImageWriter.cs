using System.Buffers.Binary;
using Google.Protobuf;

namespace Cryo.Criu.Images;

/// <summary>
/// Writes a CRIU image file: its magic words, then protobuf messages each prefixed by its little-endian 32-bit
/// length, as CRIU's <c>pb_write_one</c> does, so CRIU reads the result as its own.
/// </summary>
public sealed class CriuImageWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;

    /// <summary>Starts an image of <paramref name="kind"/> at the current position of <paramref name="stream"/>.</summary>
    /// <param name="stream">Where the image goes.</param>
    /// <param name="kind">The magic words to write first.</param>
    /// <param name="ownsStream">Whether disposing the writer disposes the stream.</param>
    public CriuImageWriter(Stream stream, CriuImageKind kind, bool ownsStream = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _ownsStream = ownsStream;
        if (kind.HeadMagic is { } head)
        {
            WriteWord(head);
        }
        WriteWord(kind.Magic);
    }

    /// <summary>Appends one message.</summary>
    public void Write(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var size = message.CalculateSize();
        if (size > CriuImageReader.MaxMessageLength)
        {
            throw new ArgumentException($"a {size}-byte message is beyond what an image may hold", nameof(message));
        }
        WriteWord((uint)size);
        message.WriteTo(_stream);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream.Flush();
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private void WriteWord(uint value)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(word, value);
        _stream.Write(word);
    }
}
