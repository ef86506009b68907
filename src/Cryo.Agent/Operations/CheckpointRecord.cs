using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Operations;

/// <summary>
/// A committed checkpoint as the catalog finds it (what InspectCheckpoint and ListCheckpoints show): its
/// manifest as committed, and where it lies and how large it is, which the manifest cannot say of itself.
/// </summary>
/// <param name="Manifest">The committed manifest.</param>
/// <param name="Location">Its directory relative to the store root, e.g. <c>default/web-1-&lt;uid&gt;</c>.</param>
/// <param name="SizeBytes">Bytes of all its files, the manifest included.</param>
public sealed record CheckpointRecord(CheckpointManifest Manifest, string Location, long SizeBytes)
{
    /// <summary>Its namespace, name and UID (the operation that made it).</summary>
    public CheckpointKey Key => Manifest.Key;

    /// <summary>
    /// Bytes of the flat copy an increment keeps beside it while it is the newest of its chain (not in <see cref="SizeBytes"/>:
    /// a cache the next increment removes); 0 when none is kept.
    /// </summary>
    public long FlatCopyBytes { get; init; }

    /// <summary>The record of <paramref name="stored"/>, located relative to <paramref name="storeRoot"/>.</summary>
    public static CheckpointRecord Of(StoredCheckpoint stored, string storeRoot)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new(stored.Manifest, Path.GetRelativePath(storeRoot, stored.Directory), stored.SizeBytes) { FlatCopyBytes = stored.FlatCopyBytes };
    }
}
