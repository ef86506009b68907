using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Store;

/// <summary>A committed checkpoint in the store.</summary>
public sealed class StoredCheckpoint
{
    private readonly Lazy<CheckpointManifest> manifest;
    private readonly Lazy<long> sizeBytes;

    internal StoredCheckpoint(CheckpointKey key, string directory, CheckpointManifest? loadedManifest = null)
    {
        Key = key;
        Directory = directory;
        ImagesDirectory = Path.Combine(directory, StorePaths.ImagesDirectoryName);
        LogsDirectory = Path.Combine(directory, StorePaths.LogsDirectoryName);
        PageIndexPath = Path.Combine(directory, StorePaths.PageIndexFileName);
        ManifestPath = Path.Combine(directory, CheckpointManifest.FileName);
        FlatCopyDirectory = Path.Combine(directory, ManifestFlatCopy.DirectoryName);
        manifest = loadedManifest is null
            ? new Lazy<CheckpointManifest>(LoadManifest, LazyThreadSafetyMode.ExecutionAndPublication)
            : new Lazy<CheckpointManifest>(loadedManifest);
        sizeBytes = new Lazy<long>(MeasureSize, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The checkpoint's key.</summary>
    public CheckpointKey Key { get; }

    /// <summary>The checkpoint directory, <c>&lt;root&gt;/&lt;namespace&gt;/&lt;name&gt;-&lt;uid&gt;</c>.</summary>
    public string Directory { get; }

    /// <summary>CRIU's images (<c>-D</c> for restore).</summary>
    public string ImagesDirectory { get; }

    /// <summary>The page index (the hash of every page the checkpoint resolves), beside the manifest.</summary>
    public string PageIndexPath { get; }

    /// <summary>The checkpoint's logs.</summary>
    public string LogsDirectory { get; }

    /// <summary>The <c>manifest.json</c> path.</summary>
    public string ManifestPath { get; }

    /// <summary>Where an increment keeps CRIU's full images while it is the newest of its chain (<see cref="ManifestFlatCopy"/>).</summary>
    public string FlatCopyDirectory { get; }

    /// <summary>Whether the flat copy the manifest records is still kept (a newer increment or a short volume removes it).</summary>
    public bool HasFlatCopy => Manifest.FlatCopy is not null && System.IO.Directory.Exists(FlatCopyDirectory);

    /// <summary>Bytes the flat copy takes beside the checkpoint while it is kept (<see cref="ManifestFlatCopy.Bytes"/>); 0 when none is.</summary>
    public long FlatCopyBytes => HasFlatCopy ? Manifest.FlatCopy!.Bytes : 0;

    /// <summary>
    /// The manifest, read on first access. Listing works even for manifests this agent cannot read
    /// (a newer schema); accessing this then throws.
    /// </summary>
    /// <exception cref="InvalidManifestException">Missing, unreadable or of an unsupported schema version.</exception>
    public CheckpointManifest Manifest => manifest.Value;

    /// <summary>
    /// Bytes on disk of every file of the checkpoint, manifest included (measured on first access): what it adds to
    /// the store. An increment's parent link is not followed, and a kept flat copy is not counted: it is a cache removed
    /// when a newer increment commits (<see cref="ManifestFlatCopy.Bytes"/> says what it takes meanwhile).
    /// </summary>
    public long SizeBytes => sizeBytes.Value;

    /// <summary>
    /// Resolves a manifest path (relative, '/'-separated) to a file of this checkpoint.
    /// </summary>
    /// <exception cref="StorePathEscapeException">The path leaves the checkpoint directory.</exception>
    public string ResolveFile(string relativePath) =>
        new StorePaths(Directory).Inside(Directory, relativePath);

    /// <inheritdoc />
    public override string ToString() => $"{Key} at {Directory}";

    private CheckpointManifest LoadManifest()
    {
        var loaded = ManifestSerializer.Load(ManifestPath);
        return loaded.Key == Key
            ? loaded
            : throw new InvalidManifestException(ManifestPath, $"it describes checkpoint {loaded.Key}, not {Key} whose directory holds it");
    }

    private long MeasureSize() =>
        StoreTree.Files(Directory).Where(file => !ImageStore.IsInFlatCopy(Path.GetRelativePath(Directory, file.FullName))).Sum(file => file.Length);
}
