namespace Cryo.Testing;

/// <summary>Damages a file as a bad disk or a tampered copy would: what checksum and verification tests need.</summary>
public static class FileDamage
{
    /// <summary>Flips the bits of <paramref name="mask"/> in the byte at <paramref name="at"/> of <paramref name="path"/>, in place.</summary>
    public static void FlipByte(string path, long at, byte mask = 0xff)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = at;
        var value = stream.ReadByte();
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(at), at, $"{path} is only {stream.Length} bytes long");
        }
        stream.Position = at;
        stream.WriteByte((byte)(value ^ mask));
    }

    /// <summary>Flips every bit of the byte in the middle of <paramref name="path"/>.</summary>
    public static void FlipMiddleByte(string path) => FlipByte(path, new FileInfo(path).Length / 2);
}
