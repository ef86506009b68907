using Cryo.Contracts.Agent.V1;

namespace Cryo.Operator.Transfers;

/// <summary>
/// One pull of a Checkpoint into a node's agent, in flight or finished: what the Restores waiting for it show in their
/// status, pass after pass, until one of them takes its outcome (<see cref="CheckpointPulls.Forget"/>).
/// </summary>
public sealed class RunningPull : IProgress<TransferProgress>, IDisposable
{
    private readonly CancellationTokenSource stop;
    private TransferProgress? latest;
    private long lastSeenTicks;

    internal RunningPull(PullKey key, string sourceNode, DateTimeOffset now, CancellationToken stopping)
    {
        Key = key;
        SourceNode = sourceNode;
        lastSeenTicks = now.UtcTicks;
        stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        Stopping = stop.Token;
    }

    /// <summary>The target node and the Checkpoint.</summary>
    public PullKey Key { get; }

    /// <summary>The node whose agent holds the Checkpoint.</summary>
    public string SourceNode { get; }

    /// <summary>The agent's result, or its failure as the agent client throws it.</summary>
    public Task<PullCheckpointResult> Completion { get; internal set; } = Task.FromException<PullCheckpointResult>(new InvalidOperationException("not started"));

    /// <summary>The latest progress the agent reported; null before the first.</summary>
    public TransferProgress? Latest => Volatile.Read(ref latest);

    /// <summary>When a pass last looked at it (or it ended, if later).</summary>
    public DateTimeOffset LastSeen => new(Interlocked.Read(ref lastSeenTicks), TimeSpan.Zero);

    /// <summary>Ends the call: the operator's stopping, or <see cref="Stop"/>.</summary>
    internal CancellationToken Stopping { get; }

    /// <inheritdoc/>
    public void Report(TransferProgress value) => Volatile.Write(ref latest, value);

    /// <inheritdoc/>
    public void Dispose() => stop.Dispose();

    /// <summary>Ends the agent's call (its pull stops; the agent keeps what verified).</summary>
    internal void Stop()
    {
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Dropped already: its call has ended.
        }
    }

    internal void Seen(DateTimeOffset at) => Interlocked.Exchange(ref lastSeenTicks, Math.Max(Interlocked.Read(ref lastSeenTicks), at.UtcTicks));
}
