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
    /// How many checkpoint streams this agent serves at once; one more is refused (RESOURCE_EXHAUSTED). A cap on what
    /// all pullers together may ask of this node, not a speed setting: pullers choose their streams
    /// (<see cref="CheckpointPuller.DefaultStreams"/>, half their cores, so 1 on a 2-core node, where 4 streams were
    /// measured slower than 1). The default 4 serves one pull from a node of 8 or more cores at full parallelism, or
    /// several pulls from small nodes at once; lower it rather than the pullers' streams to bound the CPU this node
    /// spends sending (each stream is about one core's TLS when the network keeps up), since a lower cap refuses a
    /// concurrent pull's streams (they retry) instead of slowing them.
    /// </summary>
    [Range(1, 64)]
    public int MaxParallelStreams { get; set; } = 4;

    /// <summary>Bytes per second all streams together may send; 0 means unlimited.</summary>
    [Range(0, long.MaxValue)]
    public long MaxBytesPerSecond { get; set; }
}
