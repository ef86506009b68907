using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// A write-only stream in front of a file that hashes what passes through it in <see cref="ChunkedSha256"/>'s chunks,
/// so a file written once (a compressed page image, the page index, a pages image taken from an archive) gets its
/// manifest entry without being read back. With <see cref="DigestAlgorithms.Sha256OfPages"/> it keeps the digest of
/// every page too, for the checkpoint's page index.
/// </summary>
/// <param name="inner">Where the bytes go.</param>
/// <param name="chunkSize">Bytes per chunk digest.</param>
/// <param name="algorithm">The digest (<see cref="ManifestFile.DigestAlgorithm"/>); null for plain SHA-256.</param>
internal sealed class ChunkHashingStream(Stream inner, long chunkSize, string? algorithm = null) : Stream
{
    private readonly List<string> digests = [];
    private readonly List<byte[]> pageDigests = [];
    private readonly RangeHasher hasher = RangeHasher.For(algorithm);
    private long inChunk;
    private bool disposed;

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
            FinishChunk();
        }
        return ChunkedSha256.Entry(relativePath, Length64, chunkSize, digests, algorithm);
    }

    /// <summary>
    /// After <see cref="Entry"/>: the digest of every page written, as <paramref name="fileName"/>'s; null when the stream
    /// does not keep them or what was written is not whole pages.
    /// </summary>
    public PagesImageDigests? PageDigestsOf(string fileName)
    {
        if (!hasher.OfPages || Length64 % PageDigests.PageSize != 0)
        {
            return null;
        }
        var all = new byte[PageDigests.SizeFor(Length64)];
        var at = 0;
        foreach (var chunk in pageDigests)
        {
            chunk.CopyTo(all, at);
            at += chunk.Length;
        }
        return new PagesImageDigests(fileName, PageDigests.Instance.Algorithm, PageDigests.DigestSize, all);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (inChunk == 0 && hasher.OfPages)
            {
                // Each chunk's page digests land in an array of their own (RangeHasher starts over at every chunk).
                pageDigests.Add(new byte[PageDigests.SizeFor(chunkSize)]);
                hasher.KeepPageDigests(pageDigests[^1]);
            }
            var take = (int)Math.Min(buffer.Length, chunkSize - inChunk);
            hasher.Append(buffer[..take]);
            inner.Write(buffer[..take]);
            inChunk += take;
            Length64 += take;
            buffer = buffer[take..];
            if (inChunk == chunkSize)
            {
                FinishChunk();
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
        if (disposing && !disposed)
        {
            disposed = true;
            hasher.Dispose();
        }
        base.Dispose(disposing);
    }

    private void FinishChunk()
    {
        if (hasher.OfPages && inChunk < chunkSize && pageDigests.Count > digests.Count)
        {
            // The last chunk is shorter: its array keeps only the pages it had.
            pageDigests[^1] = pageDigests[^1][..PageDigests.SizeFor(inChunk)];
        }
        digests.Add(hasher.Finish());
        inChunk = 0;
    }
}
