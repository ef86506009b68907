namespace Cryo.Agent.Grpc;

/// <summary>The kinds of operation the agent runs; also a metric label.</summary>
public enum OperationKind
{
    /// <summary>A checkpoint.</summary>
    Checkpoint,

    /// <summary>A restore.</summary>
    Restore,
}
