namespace Cryo.Agent.Store.Manifest;

/// <summary>
/// The <c>manifest.json</c> of a checkpoint: what was checkpointed, how, with which CRIU, and every file
/// with its size and SHA-256 (whole, or per chunk for large files). Serialized as camelCase JSON by <see cref="ManifestSerializer"/>; the
/// schema is versioned and a reader refuses versions it does not know.
/// </summary>
public sealed class CheckpointManifest
{
    /// <summary>
    /// The newest schema version this code reads and writes. 2 added per-chunk digests for large files
    /// (<see cref="ManifestFile.ChunkSha256"/>); 3 added <see cref="Increment"/>; 4 added <see cref="ManifestFile.DigestAlgorithm"/>
    /// (pages images listed by their page digests) and page images compressed at rest (<see cref="ManifestFile.Compression"/>).
    /// A manifest is written with the lowest version that describes it (<see cref="RequiredSchemaVersion"/>), so an older
    /// agent reads what it can verify and restore, and refuses by version what it would take for corrupt or hand CRIU
    /// unreadable. Version 1 manifests are read too.
    /// </summary>
    public const int CurrentSchemaVersion = 4;

    /// <summary>The version of a manifest that lists a file by <see cref="DigestAlgorithms.Sha256OfPages"/> or keeps one compressed.</summary>
    public const int PageDigestsSchemaVersion = 4;

    /// <summary>The version of an increment's manifest (with plain digests, uncompressed).</summary>
    public const int IncrementSchemaVersion = 3;

    /// <summary>The version a full checkpoint's manifest is written with.</summary>
    public const int FullCheckpointSchemaVersion = 2;

    /// <summary>The oldest schema version this code reads.</summary>
    public const int OldestReadableSchemaVersion = 1;

    /// <summary>The manifest's file name inside a checkpoint directory.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Schema version of this document.</summary>
    public int SchemaVersion { get; set; } = FullCheckpointSchemaVersion;

    /// <summary>Which checkpoint this is.</summary>
    public required CheckpointKey Key { get; set; }

    /// <summary>When the checkpoint was taken.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The process tree that was checkpointed.</summary>
    public ManifestSource Source { get; set; } = new();

    /// <summary>The CRIU and kernel that wrote the images.</summary>
    public ManifestCriu Criu { get; set; } = new();

    /// <summary>The options the dump ran with (restore must apply the matching ones).</summary>
    public ManifestOptions Options { get; set; } = new();

    /// <summary>Every file of the checkpoint except the manifest itself, sorted by path.</summary>
    public List<ManifestFile> Files { get; set; } = [];

    /// <summary>How long the checkpoint took.</summary>
    public ManifestTimings Timings { get; set; } = new();

    /// <summary>Number of processes in the dumped tree.</summary>
    public int ProcessCount { get; set; }

    /// <summary>Sum of the sizes of <c>images/pages-*.img</c>: the memory the tree held. Filled at commit.</summary>
    public long MemoryPagesBytes { get; set; }

    /// <summary>Filesystem state captured beside the images (writable layer, /dev/shm, open volume files).</summary>
    public ManifestFilesystem Filesystem { get; set; } = new();

    /// <summary>How this checkpoint builds on a parent; null for a full checkpoint (schema version 3).</summary>
    public ManifestIncrement? Increment { get; set; }

    /// <summary>
    /// CRIU's full images of an increment made by content, kept in <c>flat/</c> for fast restores while it is the newest of
    /// its chain; null when none was kept. Not in <see cref="Files"/> (the copy is removed later, and the manifest is
    /// never rewritten); an agent that does not know it restores through the chain.
    /// </summary>
    public ManifestFlatCopy? FlatCopy { get; set; }

    /// <summary>Free-form additions that do not deserve a schema change (e.g. pod metadata).</summary>
    public Dictionary<string, string> Extra { get; set; } = [];

    /// <summary>The lowest schema version that describes this manifest: what it is written with.</summary>
    public int RequiredSchemaVersion =>
        Files.Any(file => file.DigestAlgorithm is not null and not DigestAlgorithms.Sha256 || file.Compression is not null) ? PageDigestsSchemaVersion
        : Increment is not null ? IncrementSchemaVersion
        : FullCheckpointSchemaVersion;

    /// <summary>Writes this manifest to <paramref name="path"/> (mode 0600, fsynced).</summary>
    public Task SaveAsync(string path, CancellationToken cancellationToken) =>
        ManifestSerializer.SaveAsync(this, path, cancellationToken);

    /// <summary>Reads a manifest, refusing unknown schema versions.</summary>
    /// <exception cref="InvalidManifestException">Missing, unreadable, not a manifest, or an unsupported version.</exception>
    public static Task<CheckpointManifest> LoadAsync(string path, CancellationToken cancellationToken) =>
        ManifestSerializer.LoadAsync(path, cancellationToken);
}
