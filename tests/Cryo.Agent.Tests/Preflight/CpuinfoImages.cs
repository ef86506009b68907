using Google.Protobuf;

namespace Cryo.Agent.Tests.Preflight;

/// <summary>Rewrites CRIU's <c>cpuinfo.img</c> (magic, size, then a <c>cpuinfo_entry</c> holding one <c>cpuinfo_x86_entry</c>).</summary>
internal static class CpuinfoImages
{
    private const int HeaderBytes = 8;       // the image's two magics
    private const int X86EntryField = 1;     // cpuinfo_entry.x86_entry
    private const int CapabilityField = 6;   // cpuinfo_x86_entry.capability: the CPU's feature words

    /// <summary>The same CPU claiming every feature bit: every instruction set, AVX-512 and AMX included, which no CPU has.</summary>
    public static byte[] ClaimingEveryFeature(ReadOnlySpan<byte> image)
    {
        var entry = image[(HeaderBytes + 4)..].ToArray();
        using var outer = new CodedInputStream(entry);
        using var rewritten = new MemoryStream();
        using var output = new CodedOutputStream(rewritten);
        while (outer.ReadTag() is var tag and not 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != X86EntryField)
            {
                throw new InvalidDataException($"unexpected field {WireFormat.GetTagFieldNumber(tag)} in cpuinfo_entry");
            }

            output.WriteTag(tag);
            output.WriteBytes(ByteString.CopyFrom(Rewrite(outer.ReadBytes().ToByteArray())));
        }

        output.Flush();
        var body = rewritten.ToArray();
        var result = new byte[HeaderBytes + 4 + body.Length];
        image[..HeaderBytes].CopyTo(result);
        BitConverter.TryWriteBytes(result.AsSpan(HeaderBytes, 4), body.Length);
        body.CopyTo(result, HeaderBytes + 4);
        return result;
    }

    private static byte[] Rewrite(byte[] x86)
    {
        using var input = new CodedInputStream(x86);
        using var buffer = new MemoryStream();
        using var output = new CodedOutputStream(buffer);
        while (input.ReadTag() is var tag and not 0)
        {
            output.WriteTag(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.Varint when WireFormat.GetTagFieldNumber(tag) == CapabilityField:
                    input.ReadUInt32();
                    output.WriteUInt32(uint.MaxValue);
                    break;
                case WireFormat.WireType.Varint:
                    output.WriteUInt64(input.ReadUInt64());
                    break;
                case WireFormat.WireType.LengthDelimited:
                    output.WriteBytes(input.ReadBytes());
                    break;
                default:
                    throw new InvalidDataException($"unexpected wire type in cpuinfo_x86_entry field {WireFormat.GetTagFieldNumber(tag)}");
            }
        }

        output.Flush();
        return buffer.ToArray();
    }
}
