using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Store;

/// <summary>
/// A manifest with a schema version this agent does not know, typically written by a newer agent.
/// It is refused rather than half-understood.
/// </summary>
public sealed class UnsupportedManifestVersionException : InvalidManifestException
{
    /// <summary>Creates the exception for the version found.</summary>
    public UnsupportedManifestVersionException(string path, int foundVersion)
        : base(
            path,
            $"schemaVersion {foundVersion} is not supported: this agent reads schemaVersion {CheckpointManifest.OldestReadableSchemaVersion} to {CheckpointManifest.CurrentSchemaVersion}"
            + (foundVersion > CheckpointManifest.CurrentSchemaVersion ? " (the checkpoint was written by a newer agent; upgrade this one)" : string.Empty))
    {
        FoundVersion = foundVersion;
    }

    /// <summary>The schema version in the manifest.</summary>
    public int FoundVersion { get; }
}
