namespace Cryo.Agent.Store;

/// <summary>
/// A path built by the store would resolve outside the store root. Validation of names should make this
/// impossible; this is the last guard, and also what a tampered manifest listing <c>../</c> paths meets.
/// </summary>
public sealed class StorePathEscapeException : CheckpointStoreException
{
    /// <summary>Creates the exception for the offending path.</summary>
    public StorePathEscapeException(string path, string root)
        : base($"path \"{path}\" resolves outside the checkpoint store root \"{root}\"")
    {
        Path = path;
        Root = root;
    }

    /// <summary>The path that would have left the store.</summary>
    public string Path { get; }

    /// <summary>The store root.</summary>
    public string Root { get; }
}
