namespace Cryo.Agent.Grpc;

/// <summary>
/// Limits how many operations run at once; waiters are admitted strictly in arrival order (a
/// <see cref="SemaphoreSlim"/> does not promise FIFO, and a checkpoint queued first should run first).
/// </summary>
public sealed class OperationGate
{
    private readonly Lock gate = new();
    private readonly LinkedList<TaskCompletionSource> waiters = new();
    private int running;

    /// <summary>Creates a gate admitting at most <paramref name="limit"/> holders at once.</summary>
    public OperationGate(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    /// <summary>How many may hold the gate at once.</summary>
    public int Limit { get; }

    /// <summary>Holders right now.</summary>
    public int Running
    {
        get
        {
            lock (gate)
            {
                return running;
            }
        }
    }

    /// <summary>Waiters right now.</summary>
    public int Waiting
    {
        get
        {
            lock (gate)
            {
                return waiters.Count;
            }
        }
    }

    /// <summary>Waits for a slot, in arrival order. Dispose the result to free the slot.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        LinkedListNode<TaskCompletionSource> node;
        lock (gate)
        {
            if (running < Limit && waiters.Count == 0)
            {
                running++;
                return new Slot(this);
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = waiters.AddLast(waiter);
        }

        try
        {
            await waiter.Task.WaitAsync(cancellationToken);
            return new Slot(this);
        }
        catch (OperationCanceledException)
        {
            lock (gate)
            {
                if (node.List is not null)
                {
                    // Still queued: leave the queue without ever holding a slot.
                    waiters.Remove(node);
                    throw;
                }
            }

            // Admitted in the same instant as cancelled: the slot is ours, so hand it on.
            Release();
            throw;
        }
    }

    private void Release()
    {
        TaskCompletionSource? next = null;
        lock (gate)
        {
            if (waiters.First is { } first)
            {
                // The slot passes straight to the next waiter; running stays the same.
                waiters.RemoveFirst();
                next = first.Value;
            }
            else
            {
                running--;
            }
        }

        next?.TrySetResult();
    }

    private sealed class Slot(OperationGate owner) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                owner.Release();
            }
        }
    }
}
