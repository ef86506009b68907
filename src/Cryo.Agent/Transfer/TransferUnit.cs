using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Transfer;

/// <summary>
/// The smallest piece of a checkpoint a pull verifies: one digest range of one file, as the manifest lists it.
/// A unit either verified whole or does not count.
/// </summary>
/// <param name="Index">Its place among all the checkpoint's units, in the manifest's order.</param>
/// <param name="FileIndex">The file's index in the manifest.</param>
/// <param name="Path">The file's manifest path.</param>
/// <param name="Range">The bytes and their SHA-256.</param>
internal readonly record struct TransferUnit(int Index, int FileIndex, string Path, DigestRange Range)
{
    /// <summary>One past its last byte.</summary>
    public long End => Range.Offset + Range.Length;
}
