namespace Cryo.Agent.Operations;

/// <summary>
/// What the checkpoint engine is asked to do, already validated by the service layer (names are checked
/// again by the image store, which is the last guard).
/// </summary>
/// <param name="OperationId">Idempotency key (the Checkpoint object's UID); the store records it.</param>
/// <param name="Namespace">The checkpoint's namespace.</param>
/// <param name="Name">The checkpoint's name.</param>
/// <param name="Source">The process tree to dump.</param>
/// <param name="Workload">Metadata to record in the manifest.</param>
/// <param name="LeaveRunning">Keep the tree running after the dump (CRIU <c>--leave-running</c>).</param>
/// <param name="TcpEstablished">Dump established TCP connections (CRIU <c>--tcp-established</c>).</param>
/// <param name="FileLocks">Dump file locks (CRIU <c>--file-locks</c>).</param>
/// <param name="ParentCheckpoint">Name of a checkpoint in the same namespace to build on, or <see langword="null"/>.</param>
/// <param name="Timeout">
/// How long the whole operation may take. The service also cancels the token passed with the command at
/// this deadline; the engine may use the value for CRIU's own deadline.
/// </param>
/// <param name="SkipRootFilesystem">
/// Checkpoint a tree with its own mount namespace without its writable layer. Without it, such a tree must
/// have an overlay root, whose upper layer is captured; any other root fails the checkpoint up front.
/// </param>
/// <param name="Compression">
/// How to compress the committed page images (<see cref="Store.Compression.ImageCompression.Zstd"/>), or null (or
/// <see cref="Store.Compression.ImageCompression.None"/>) to store them as CRIU writes them.
/// </param>
public sealed record CheckpointCommand(
    string OperationId,
    string Namespace,
    string Name,
    ProcessTreeRef Source,
    WorkloadMetadata Workload,
    bool LeaveRunning,
    bool TcpEstablished,
    bool FileLocks,
    string? ParentCheckpoint,
    TimeSpan Timeout,
    bool SkipRootFilesystem = false,
    string? Compression = null);
