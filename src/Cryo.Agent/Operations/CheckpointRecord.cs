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
}
