namespace Cryo.Criu.Stats;

/// <summary>
/// Reads CRIU's <c>stats-dump</c> and <c>stats-restore</c> image files.
/// </summary>
/// <remarks>
/// The files are CRIU images: two magic words, a little-endian length, then one protobuf
/// <c>StatsEntry</c> (criu/images/stats.proto) holding a <c>DumpStatsEntry</c> (field 1) or a
/// <c>RestoreStatsEntry</c> (field 2). The messages are tiny and flat, so they are decoded by hand
/// rather than pulling a protobuf runtime into this library. Unknown fields are skipped, so newer
/// CRIU releases that add counters still read.
/// </remarks>
public static class CriuStatisticsReader
{
    /// <summary>File CRIU writes in the images directory after a dump.</summary>
    public const string DumpFile = "stats-dump";

    /// <summary>File CRIU writes in the images directory after a restore.</summary>
    public const string RestoreFile = "stats-restore";

    /// <summary>Reads <c>stats-dump</c>; null when CRIU did not write it (for example a failed dump).</summary>
    public static DumpStatistics? ReadDump(string imagesDirectory)
    {
        var fields = ReadEntry(Path.Combine(imagesDirectory, DumpFile), entryField: 1);
        if (fields is null) return null;
        return new DumpStatistics(
            Micro(fields, 1), Micro(fields, 2), Micro(fields, 3), Micro(fields, 4),
            Value(fields, 5), Value(fields, 7));
    }

    /// <summary>Reads <c>stats-restore</c>; null when CRIU did not write it.</summary>
    public static RestoreStatistics? ReadRestore(string imagesDirectory)
    {
        var fields = ReadEntry(Path.Combine(imagesDirectory, RestoreFile), entryField: 2);
        if (fields is null) return null;
        return new RestoreStatistics(Micro(fields, 3), Micro(fields, 4), Value(fields, 5));
    }

    /// <summary>Decodes the varint fields of the nested stats message; null when absent or malformed.</summary>
    public static Dictionary<int, long>? ReadEntry(string path, int entryField)
    {
        if (!File.Exists(path)) return null;
        var bytes = File.ReadAllBytes(path);
        const int header = 8; // two magic words
        if (bytes.Length < header + 4) return null;
        var length = BitConverter.ToInt32(bytes, header);
        var start = header + 4;
        if (length < 0 || start + length > bytes.Length) return null;
        var outer = new ReadOnlySpan<byte>(bytes, start, length);
        var pos = 0;
        while (pos < outer.Length)
        {
            var key = ReadVarint(outer, ref pos);
            var field = (int)(key >> 3);
            var wire = (int)(key & 7);
            if (wire == 2)
            {
                var size = (int)ReadVarint(outer, ref pos);
                if (size < 0 || pos + size > outer.Length) return null;
                if (field == entryField) return ReadVarintFields(outer.Slice(pos, size));
                pos += size;
            }
            else if (!Skip(outer, wire, ref pos)) return null;
        }
        return null;
    }

    private static Dictionary<int, long>? ReadVarintFields(ReadOnlySpan<byte> message)
    {
        var fields = new Dictionary<int, long>();
        var pos = 0;
        while (pos < message.Length)
        {
            var key = ReadVarint(message, ref pos);
            var wire = (int)(key & 7);
            if (wire == 0) fields[(int)(key >> 3)] = (long)ReadVarint(message, ref pos);
            else if (!Skip(message, wire, ref pos)) return null;
        }
        return fields;
    }

    private static bool Skip(ReadOnlySpan<byte> data, int wire, ref int pos)
    {
        switch (wire)
        {
            case 0: ReadVarint(data, ref pos); return true;
            case 1: pos += 8; return pos <= data.Length;
            case 2: var n = (int)ReadVarint(data, ref pos); pos += n; return n >= 0 && pos <= data.Length;
            case 5: pos += 4; return pos <= data.Length;
            default: return false;
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64 && pos < data.Length; shift += 7)
        {
            var b = data[pos++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        return value;
    }

    private static TimeSpan Micro(Dictionary<int, long> fields, int field) =>
        TimeSpan.FromMicroseconds(Value(fields, field));

    private static long Value(Dictionary<int, long> fields, int field) =>
        fields.TryGetValue(field, out var v) ? v : 0;
}
