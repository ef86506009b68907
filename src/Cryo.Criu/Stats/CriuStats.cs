using System.Buffers.Binary;

namespace Cryo.Criu;

/// <summary>
/// Reads CRIU's <c>stats-dump</c> and <c>stats-restore</c>: two magic numbers, a little-endian length and one protobuf
/// <c>stats_entry</c> (images/stats.proto). The message is a handful of varints, so a full protobuf runtime is not needed.
/// </summary>
public static class CriuStats
{
    private const uint ServiceMagic = 0x55105940;
    private const uint StatsMagic = 0x57093306;
    private const int HeaderLength = 12;

    /// <summary>The statistics of the dump whose <c>stats-dump</c> is at <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file is not a CRIU stats image or holds no dump entry.</exception>
    public static CriuDumpStats ReadDump(string path) => ParseDump(File.ReadAllBytes(path));

    /// <summary>The statistics of the restore whose <c>stats-restore</c> is at <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file is not a CRIU stats image or holds no restore entry.</exception>
    public static CriuRestoreStats ReadRestore(string path) => ParseRestore(File.ReadAllBytes(path));

    /// <summary>Decodes the bytes of a <c>stats-dump</c> file.</summary>
    public static CriuDumpStats ParseDump(ReadOnlySpan<byte> file)
    {
        var fields = Fields(Entry(file, fieldNumber: 1, "dump"));
        return new CriuDumpStats(
            Micros(fields, 1), Micros(fields, 2), Micros(fields, 3), Micros(fields, 4),
            Value(fields, 5), Value(fields, 6), Value(fields, 7), Value(fields, 9));
    }

    /// <summary>Decodes the bytes of a <c>stats-restore</c> file.</summary>
    public static CriuRestoreStats ParseRestore(ReadOnlySpan<byte> file)
    {
        var fields = Fields(Entry(file, fieldNumber: 2, "restore"));
        return new CriuRestoreStats(Micros(fields, 3), Micros(fields, 4), Value(fields, 1), Value(fields, 2), Value(fields, 5));
    }

    private static ReadOnlySpan<byte> Entry(ReadOnlySpan<byte> file, int fieldNumber, string kind)
    {
        if (file.Length < HeaderLength
            || BinaryPrimitives.ReadUInt32LittleEndian(file) != ServiceMagic
            || BinaryPrimitives.ReadUInt32LittleEndian(file[4..]) != StatsMagic)
        {
            throw new FormatException("not a CRIU stats image (bad magic)");
        }
        var length = BinaryPrimitives.ReadUInt32LittleEndian(file[8..]);
        if (length > file.Length - HeaderLength)
        {
            throw new FormatException($"CRIU stats image truncated: entry of {length} bytes, {file.Length - HeaderLength} present");
        }
        var message = file.Slice(HeaderLength, (int)length);
        var position = 0;
        while (position < message.Length)
        {
            var key = ReadVarint(message, ref position);
            var wireType = (int)(key & 7);
            if (wireType == 2)
            {
                var size = (int)ReadVarint(message, ref position);
                if ((int)(key >> 3) == fieldNumber)
                {
                    return Slice(message, position, size);
                }
                position += size;
            }
            else
            {
                Skip(message, wireType, ref position);
            }
        }
        throw new FormatException($"CRIU stats image holds no {kind} entry");
    }

    private static Dictionary<int, ulong> Fields(ReadOnlySpan<byte> message)
    {
        var fields = new Dictionary<int, ulong>();
        var position = 0;
        while (position < message.Length)
        {
            var key = ReadVarint(message, ref position);
            var wireType = (int)(key & 7);
            if (wireType == 0)
            {
                fields[(int)(key >> 3)] = ReadVarint(message, ref position);
            }
            else
            {
                Skip(message, wireType, ref position);
            }
        }
        return fields;
    }

    private static void Skip(ReadOnlySpan<byte> message, int wireType, ref int position)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint(message, ref position);
                break;
            case 1:
                position += 8;
                break;
            case 2:
                position += (int)ReadVarint(message, ref position);
                break;
            case 5:
                position += 4;
                break;
            default:
                throw new FormatException($"CRIU stats image has an unsupported protobuf wire type {wireType}");
        }
        if (position > message.Length)
        {
            throw new FormatException("CRIU stats image truncated inside a field");
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= message.Length)
            {
                throw new FormatException("CRIU stats image truncated inside a varint");
            }
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new FormatException("CRIU stats image has an over-long varint");
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> message, int position, int size) =>
        size < 0 || position + size > message.Length
            ? throw new FormatException("CRIU stats image truncated inside an entry")
            : message.Slice(position, size);

    private static ulong Value(Dictionary<int, ulong> fields, int number) => fields.GetValueOrDefault(number);

    private static TimeSpan Micros(Dictionary<int, ulong> fields, int number) =>
        TimeSpan.FromMicroseconds(fields.GetValueOrDefault(number));
}
