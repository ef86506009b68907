namespace Cryo.Agent.Store;

/// <summary>A <c>manifest.json</c> that cannot be read: missing, not JSON, or not a manifest.</summary>
public class InvalidManifestException : CheckpointStoreException
{
    /// <summary>Creates the exception naming the manifest and the reason.</summary>
    public InvalidManifestException(string path, string reason, Exception? innerException = null)
        : base($"checkpoint manifest {path} cannot be read: {reason}", innerException)
    {
        ManifestPath = path;
        Reason = reason;
    }

    /// <summary>The manifest file (or a description of the source when not read from a file).</summary>
    public string ManifestPath { get; }

    /// <summary>Why it cannot be read.</summary>
    public string Reason { get; }
}
