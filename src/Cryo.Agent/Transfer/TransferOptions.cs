using System.ComponentModel.DataAnnotations;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Bounds on serving checkpoints to other agents (section <c>Transfer</c>, environment
/// <c>Transfer__MaxParallelStreams</c>): a transfer reads gigabytes from the store and fills the node's
/// network, and must not starve the node's own checkpoints and restores.
/// </summary>
public sealed class TransferOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Transfer";

    /// <summary>
    /// How many checkpoint streams this agent serves at once; one more is refused (RESOURCE_EXHAUSTED). The
    /// default serves one pull at its full parallelism (<see cref="CheckpointPuller.Streams"/>).
    /// </summary>
    [Range(1, 64)]
    public int MaxParallelStreams { get; set; } = 4;

    /// <summary>Bytes per second all streams together may send; 0 means unlimited.</summary>
    [Range(0, long.MaxValue)]
    public long MaxBytesPerSecond { get; set; }
}
