namespace Cryo.Agent.Transfer;

/// <summary>
/// Counts the transfer streams being served and refuses one over <see cref="TransferOptions.MaxParallelStreams"/>
/// at once rather than queueing it: a puller waiting on a full source would hold its own pending entry
/// open for nothing, and may as well try again (or another source) later.
/// </summary>
public sealed class TransferGate(int limit)
{
    private int active;

    /// <summary>The limit in force.</summary>
    public int Limit { get; } = limit >= 1 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), limit, "at least one stream");

    /// <summary>Streams being served now.</summary>
    public int Active => Volatile.Read(ref active);

    /// <summary>Takes a slot for one stream; dispose the result to give it back.</summary>
    /// <exception cref="TransferLimitExceededException">Every slot is taken.</exception>
    public IDisposable Enter()
    {
        if (Interlocked.Increment(ref active) > Limit)
        {
            Interlocked.Decrement(ref active);
            throw new TransferLimitExceededException(Limit);
        }

        return new Slot(this);
    }

    private sealed class Slot(TransferGate gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                Interlocked.Decrement(ref gate.active);
            }
        }
    }
}
