namespace Cryo.Agent.Operations;

/// <summary>A committed checkpoint, read from its manifest (what InspectCheckpoint and ListCheckpoints show).</summary>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Name">Its name.</param>
/// <param name="OperationId">The operation that made it (the Checkpoint object's UID).</param>
/// <param name="Location">Its directory relative to the store root.</param>
/// <param name="SizeBytes">Bytes of all its files.</param>
/// <param name="CreatedAt">When it was committed.</param>
/// <param name="NodeName">The node it was taken on (empty when unknown).</param>
/// <param name="CriuVersion">The CRIU version that dumped it.</param>
/// <param name="KernelRelease">The kernel it was taken on.</param>
/// <param name="Workload">The workload's pod metadata.</param>
/// <param name="Options">The dump options.</param>
/// <param name="Freeze">How long the tree was frozen.</param>
/// <param name="Dump">How long the dump took.</param>
/// <param name="Total">The whole checkpoint.</param>
/// <param name="ProcessCount">Processes in the tree.</param>
/// <param name="MemoryPagesBytes">Bytes of memory pages.</param>
/// <param name="ParentCheckpoint">The parent's name for an incremental checkpoint, else <see langword="null"/>.</param>
/// <param name="Source">Where the tree came from.</param>
/// <param name="Processes">The dumped processes, root first.</param>
/// <param name="Files">Every file with size and SHA-256.</param>
/// <param name="ManifestVersion">The manifest's schema version.</param>
public sealed record CheckpointRecord(
    string Namespace,
    string Name,
    string OperationId,
    string Location,
    long SizeBytes,
    DateTimeOffset CreatedAt,
    string NodeName,
    string CriuVersion,
    string KernelRelease,
    WorkloadMetadata Workload,
    RecordedOptions Options,
    TimeSpan Freeze,
    TimeSpan Dump,
    TimeSpan Total,
    int ProcessCount,
    long MemoryPagesBytes,
    string? ParentCheckpoint,
    RecordedSource Source,
    IReadOnlyList<RecordedProcess> Processes,
    IReadOnlyList<RecordedFile> Files,
    int ManifestVersion);
