using System.Security.Cryptography;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Store.Compression;

/// <summary>
/// A write-only stream in front of a file that hashes what passes through it in <see cref="ChunkedSha256"/>'s chunks,
/// so a file written once (a compressed page image) gets its manifest entry without being read back.
/// </summary>
internal sealed class ChunkHashingStream(Stream inner, long chunkSize) : Stream
{
    private readonly List<string> digests = [];
    private IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long inChunk;

    /// <summary>Bytes written so far.</summary>
    public long Length64 { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Length64;

    public override long Position
    {
        get => Length64;
        set => throw new NotSupportedException();
    }

    /// <summary>The manifest entry of everything written, to call once writing is done.</summary>
    public ManifestFile Entry(string relativePath)
    {
        if (inChunk > 0 || digests.Count == 0)
        {
            digests.Add(Convert.ToHexStringLower(hash.GetHashAndReset()));
            inChunk = 0;
        }
        return ChunkedSha256.Entry(relativePath, Length64, chunkSize, digests);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var take = (int)Math.Min(buffer.Length, chunkSize - inChunk);
            hash.AppendData(buffer[..take]);
            inner.Write(buffer[..take]);
            inChunk += take;
            Length64 += take;
            buffer = buffer[take..];
            if (inChunk == chunkSize)
            {
                digests.Add(Convert.ToHexStringLower(hash.GetHashAndReset()));
                inChunk = 0;
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
            hash = null!;
        }
        base.Dispose(disposing);
    }
}
