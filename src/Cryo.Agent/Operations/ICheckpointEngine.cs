namespace Cryo.Agent.Operations;

/// <summary>
/// Takes checkpoints. The gRPC layer calls it once per operation ID (idempotency, queueing and the
/// parallel limit are the caller's business), with a token cancelled at the operation's deadline or at
/// shutdown. On failure the engine leaves the workload running (thawed) and nothing committed, and throws
/// a typed exception: an <see cref="AgentException"/>, or CRIU's own.
/// </summary>
public interface ICheckpointEngine
{
    /// <summary>Checkpoints the tree named by <paramref name="command"/> and commits it to the store.</summary>
    /// <param name="command">What to checkpoint, validated.</param>
    /// <param name="progress">Receives each stage as it is entered.</param>
    /// <param name="cancellationToken">Cancelled at the deadline or at shutdown.</param>
    /// <returns>The committed checkpoint.</returns>
    Task<CheckpointOutcome> CheckpointAsync(CheckpointCommand command, IProgress<CheckpointStage> progress, CancellationToken cancellationToken);
}
