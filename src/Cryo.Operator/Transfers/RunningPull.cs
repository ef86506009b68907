using Cryo.Contracts.Agent.V1;

namespace Cryo.Operator.Transfers;

/// <summary>
/// One pull of a Checkpoint into a node's agent, in flight or finished: what the Restores waiting for it show in their
/// status, pass after pass, until one of them takes its outcome (<see cref="CheckpointPulls.Forget"/>).
/// </summary>
public sealed class RunningPull : IProgress<TransferProgress>
{
    private TransferProgress? latest;

    internal RunningPull(PullKey key, string sourceNode)
    {
        Key = key;
        SourceNode = sourceNode;
    }

    /// <summary>The target node and the Checkpoint.</summary>
    public PullKey Key { get; }

    /// <summary>The node whose agent holds the Checkpoint.</summary>
    public string SourceNode { get; }

    /// <summary>The agent's result, or its failure as the agent client throws it.</summary>
    public Task<PullCheckpointResult> Completion { get; internal set; } = Task.FromException<PullCheckpointResult>(new InvalidOperationException("not started"));

    /// <summary>The latest progress the agent reported; null before the first.</summary>
    public TransferProgress? Latest => Volatile.Read(ref latest);

    /// <inheritdoc/>
    public void Report(TransferProgress value) => Volatile.Write(ref latest, value);
}
