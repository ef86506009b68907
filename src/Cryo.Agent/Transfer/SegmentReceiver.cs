using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Contracts.Agent.V1;

namespace Cryo.Agent.Transfer;

/// <summary>
/// One stream's side of a pull: takes the chunks of the segment it fetches, in order, writes them into
/// the session's files and hashes each unit as its bytes pass, checking it when its last byte landed.
/// Each stream has its own, so streams write and hash in parallel.
/// </summary>
internal sealed class SegmentReceiver(PullSession session) : IDisposable
{
    // Each unit is hashed as its manifest entry says: plain, or by its pages (pages images).
    private readonly RangeHasher plain = RangeHasher.For(null);
    private readonly RangeHasher pages = RangeHasher.For(DigestAlgorithms.Sha256OfPages);
    private TransferSegment? segment;
    private long position;

    /// <summary>Starts (or restarts) receiving the rest of <paramref name="next"/>.</summary>
    public void Start(TransferSegment next)
    {
        segment = next;
        position = next.Current.Range.Offset;
        plain.Reset();
        pages.Reset();
    }

    /// <summary>Writes and hashes one chunk; checks each unit it completes.</summary>
    /// <exception cref="TransferVerificationException">It is not the chunk expected next, or a unit failed twice.</exception>
    /// <exception cref="RangeRefetchException">A unit failed once: start the segment again.</exception>
    public void Receive(FileChunk chunk)
    {
        var current = segment!;
        if (current.IsComplete || chunk.Path != current.Current.Path || chunk.Offset != position)
        {
            var expected = current.IsComplete ? "nothing more" : $"{current.Current.Path} at {position}";
            throw session.Mismatch(chunk.Path, chunk.Offset, chunk.Data.Length, $"the source sent these bytes where {expected} was expected");
        }

        var data = chunk.Data.Span;
        while (data.Length > 0)
        {
            if (current.IsComplete || current.Current.Path != chunk.Path)
            {
                throw session.Mismatch(chunk.Path, chunk.Offset, chunk.Data.Length, "the source sent more bytes than the manifest lists for this file");
            }

            data = data[Land(current, data)..];
        }
    }

    /// <summary>
    /// Writes and hashes the segment's next bytes, wherever they fall (a stream of file bytes in the segment's
    /// order, across its files); checks each unit it completes.
    /// </summary>
    /// <exception cref="TransferVerificationException">More bytes than the segment holds, or a unit failed twice.</exception>
    /// <exception cref="RangeRefetchException">A unit failed once: start the segment again.</exception>
    public void ReceiveNext(ReadOnlySpan<byte> data)
    {
        var current = segment!;
        while (data.Length > 0)
        {
            if (current.IsComplete)
            {
                var last = current.Units[^1];
                throw session.Mismatch(last.Path, last.End, data.Length, "the source sent more bytes than were asked for");
            }

            data = data[Land(current, data)..];
        }
    }

    // Lands what of data belongs to the current unit; returns how much that was.
    private int Land(TransferSegment current, ReadOnlySpan<byte> data)
    {
        var unit = current.Current;
        var hash = unit.Range.OfPages ? pages : plain;
        var take = (int)Math.Min(data.Length, unit.End - position);
        session.Write(unit, data[..take], position);
        hash.Append(data[..take]);
        position += take;
        if (position == unit.End)
        {
            session.Check(unit, hash.Finish());
            current.Advance();
            if (!current.IsComplete)
            {
                position = current.Current.Range.Offset;
            }
        }

        return take;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        plain.Dispose();
        pages.Dispose();
    }
}
