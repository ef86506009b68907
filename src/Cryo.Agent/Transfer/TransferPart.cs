namespace Cryo.Agent.Transfer;

/// <summary>
/// One piece of a checkpoint being sent: the manifest (<see cref="Manifest"/> set, always first), or bytes of
/// one file. <see cref="Data"/> is only valid until the next piece is asked for.
/// </summary>
/// <param name="Manifest">The manifest.json bytes, or null for file bytes.</param>
/// <param name="Path">The file's manifest path.</param>
/// <param name="Offset">Where <paramref name="Data"/> starts in the file.</param>
/// <param name="Data">The bytes.</param>
public readonly record struct TransferPart(byte[]? Manifest, string Path, long Offset, ReadOnlyMemory<byte> Data);
