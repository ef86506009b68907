namespace Cryo.Criu.Images;

/// <summary>
/// Content hashes of memory pages, for deciding which pages an increment can leave in its parent. Two pages with
/// equal hashes are taken to be equal without comparing them, so a collision would restore wrong memory silently:
/// only a collision-resistant hash will do (<see cref="Sha256PageHasher"/>). Pages come in batches so an
/// implementation may hash several at once (e.g. interleaved SHA-256 lanes).
/// </summary>
public interface IPageHasher
{
    /// <summary>The hash's name, recorded in every <see cref="PageHashIndex"/>; indexes of different hashes never compare.</summary>
    string Algorithm { get; }

    /// <summary>Bytes per digest.</summary>
    int DigestSize { get; }

    /// <summary>Hashes each <see cref="PageMap.PageSize"/> page of <paramref name="pages"/> into <paramref name="digests"/>, in order.</summary>
    /// <param name="pages">Whole pages, back to back.</param>
    /// <param name="digests">Room for one digest per page.</param>
    void HashPages(ReadOnlySpan<byte> pages, Span<byte> digests);
}
