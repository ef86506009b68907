namespace Cryo.Criu.Images;

/// <summary>Receives consecutive pages of one present run and their hashes (see <see cref="PresentRunReader"/>).</summary>
/// <param name="firstAddress">Address of the first page of the batch.</param>
/// <param name="pages">The pages' contents, back to back.</param>
/// <param name="digests">Their hashes, in the same order.</param>
internal delegate void PageBatchVisitor(ulong firstAddress, ReadOnlySpan<byte> pages, ReadOnlySpan<byte> digests);
