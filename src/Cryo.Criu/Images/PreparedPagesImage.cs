namespace Cryo.Criu.Images;

/// <summary>
/// A pages image made beside CRIU's dump by <see cref="EarlyPageCopy"/>: the pages of CRIU's <see cref="PagesFileName"/> at
/// <see cref="Pages"/>, back to back. <see cref="IncrementalRewriter"/> takes it instead of copying them itself when
/// <see cref="Pages"/> is exactly what it decides to store; otherwise it copies as without one.
/// </summary>
/// <param name="PagesFileName">The CRIU pages image the pages were copied from, e.g. <c>pages-1.img</c>.</param>
/// <param name="Path">The file holding the copies (on the images directory's filesystem, so the rewrite moves it by a rename).</param>
/// <param name="Pages">Positions in CRIU's pages image of the copied pages, ascending.</param>
/// <param name="PagesSeen">Pages of CRIU's image decided on, from the first on: the copy is whole only when it is every page.</param>
public sealed record PreparedPagesImage(string PagesFileName, string Path, ReadOnlyMemory<long> Pages, long PagesSeen);
