using System.Security.Cryptography;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Store.Compression;

/// <summary>
/// Reads a stored file front to back while checking each of its manifest ranges as its last byte passes, so that a
/// compressed page image is verified by the same read that decompresses it. A mismatch throws
/// <see cref="CheckpointCorruptedException"/> naming the file and the byte range, as <see cref="Hashing.ChecksumVerifier"/> does.
/// </summary>
internal sealed class VerifyingReadStream : Stream
{
    private readonly Stream inner;
    private readonly CheckpointKey key;
    private readonly ManifestFile entry;
    private readonly IReadOnlyList<DigestRange> ranges;
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int range;
    private long position;

    public VerifyingReadStream(Stream inner, CheckpointKey key, ManifestFile entry)
    {
        this.inner = inner;
        this.key = key;
        this.entry = entry;
        ranges = entry.Ranges();
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => entry.Size;

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        if (read == 0)
        {
            if (position != entry.Size)
            {
                throw new CheckpointCorruptedException(key, entry.Path, CorruptionKind.SizeDiffers, $"manifest says {entry.Size} bytes, the file ended after {position}");
            }
            return 0;
        }
        var data = buffer[..read];
        while (!data.IsEmpty)
        {
            if (range >= ranges.Count)
            {
                throw new CheckpointCorruptedException(key, entry.Path, CorruptionKind.SizeDiffers, $"manifest says {entry.Size} bytes, the file is longer");
            }
            var current = ranges[range];
            var take = (int)Math.Min(data.Length, current.Offset + current.Length - position);
            hash.AppendData(data[..take]);
            position += take;
            data = data[take..];
            if (position == current.Offset + current.Length)
            {
                var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (!string.Equals(actual, current.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    var where = ranges.Count == 1 ? "" : $" in bytes {current.Offset}-{current.Offset + current.Length - 1} (chunk {range + 1} of {ranges.Count})";
                    throw new CheckpointCorruptedException(key, entry.Path, CorruptionKind.Sha256Differs, $"manifest says {current.Sha256}, file has {actual}{where}");
                }
                range++;
            }
        }
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
