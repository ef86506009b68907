namespace Cryo.Criu.Images;

/// <summary>Where a present page's contents are: <paramref name="Offset"/> bytes into its pagemap's pages image.</summary>
/// <param name="Address">The page's address.</param>
/// <param name="Offset">Byte offset of its contents in <c>pages-K.img</c>.</param>
public readonly record struct PageLocation(ulong Address, long Offset);
