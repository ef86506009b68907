namespace Cryo.Criu.Images;

/// <summary>
/// Receives the page digests of a pages image as they are made while CRIU writes it (a growing-file hasher's chunks):
/// what lets work that needs them (<see cref="EarlyPageCopy"/>) run beside the dump instead of after it.
/// </summary>
public interface IPageDigestSink
{
    /// <summary>
    /// The digests of <paramref name="digests"/>' pages from the <paramref name="firstPage"/>-th on of the pages image at
    /// <paramref name="pagesImagePath"/>, whose bytes are final (CRIU only appends). Called from any thread, chunks in any
    /// order; must not throw, and must return soon (the hasher waits).
    /// </summary>
    void PagesHashed(string pagesImagePath, long firstPage, ReadOnlySpan<byte> digests);
}
