using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Cryo.Criu.Images;

/// <summary>
/// Reads a CRIU image file: checks its magic words, then hands out its protobuf messages one by one. Each message
/// is stored as a little-endian 32-bit length followed by that many bytes (CRIU's <c>pb_write_one</c>); the file
/// ends at a message boundary.
/// </summary>
/// <example>
/// <code>
/// using var reader = CriuImageReader.Open("images/pagemap-1.img", CriuImageKind.PageMap);
/// var head = reader.Read(PagemapHead.Parser);
/// while (reader.Read(PagemapEntry.Parser) is { } entry) { … }
/// </code>
/// </example>
public sealed class CriuImageReader : IDisposable
{
    /// <summary>Largest message accepted; CRIU's own are far smaller, so anything bigger means a corrupt length.</summary>
    public const int MaxMessageLength = 64 << 20;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly string _name;

    /// <summary>Starts reading <paramref name="stream"/>, positioned at the start of an image of <paramref name="kind"/>.</summary>
    /// <param name="stream">The image's bytes.</param>
    /// <param name="kind">The magic words expected at its head.</param>
    /// <param name="name">How errors name the image (its path).</param>
    /// <param name="ownsStream">Whether disposing the reader disposes the stream.</param>
    /// <exception cref="CriuImageFormatException">The magic words are missing or wrong.</exception>
    public CriuImageReader(Stream stream, CriuImageKind kind, string name, bool ownsStream = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _ownsStream = ownsStream;
        _name = name;
        if (kind.HeadMagic is { } head)
        {
            ExpectMagic(head, "head magic");
        }
        ExpectMagic(kind.Magic, "magic");
    }

    /// <summary>Opens the image file at <paramref name="path"/> and checks its magic words.</summary>
    /// <exception cref="CriuImageFormatException">The magic words are missing or wrong.</exception>
    public static CriuImageReader Open(string path, CriuImageKind kind)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 << 10);
        try
        {
            return new CriuImageReader(stream, kind, path, ownsStream: true);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The next message, or <c>null</c> at the end of the file.</summary>
    /// <exception cref="CriuImageFormatException">The file ends inside a message, or the message does not decode.</exception>
    public T? Read<T>(MessageParser<T> parser) where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        Span<byte> prefix = stackalloc byte[4];
        var got = ReadUpTo(prefix);
        if (got == 0)
        {
            return null;
        }
        if (got < prefix.Length)
        {
            throw new CriuImageFormatException(_name, $"ends inside a message length ({got} of 4 bytes)");
        }
        var length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (length > MaxMessageLength)
        {
            throw new CriuImageFormatException(_name, $"message length {length} is beyond {MaxMessageLength}: not a CRIU image or corrupt");
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var body = buffer.AsSpan(0, (int)length);
            var read = ReadUpTo(body);
            if (read < body.Length)
            {
                throw new CriuImageFormatException(_name, $"ends inside a message ({read} of {length} bytes)");
            }
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CriuImageFormatException(_name, $"holds a message that does not decode as {typeof(T).Name}: {e.Message}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The next message, which must be there.</summary>
    /// <exception cref="CriuImageFormatException">The file ends, or the message does not decode.</exception>
    public T ReadRequired<T>(MessageParser<T> parser) where T : class, IMessage<T> =>
        Read(parser) ?? throw new CriuImageFormatException(_name, $"ends where a {typeof(T).Name} should be");

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private void ExpectMagic(uint expected, string what)
    {
        Span<byte> word = stackalloc byte[4];
        if (ReadUpTo(word) < word.Length)
        {
            throw new CriuImageFormatException(_name, $"too short for its {what}");
        }
        var actual = BinaryPrimitives.ReadUInt32LittleEndian(word);
        if (actual != expected)
        {
            throw new CriuImageFormatException(_name, $"{what} is 0x{actual:x8}, expected 0x{expected:x8}");
        }
    }

    private int ReadUpTo(Span<byte> destination)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var n = _stream.Read(destination[total..]);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
