namespace Cryo.Agent.Grpc;

/// <summary>The kinds of operation the agent runs; also the <c>kind</c> label of its metrics (lowercase).</summary>
public enum OperationKind
{
    /// <summary>A checkpoint.</summary>
    Checkpoint,

    /// <summary>A restore.</summary>
    Restore,

    /// <summary>A delete of a checkpoint (not tracked for idempotency: deleting twice is harmless).</summary>
    Delete,
}
