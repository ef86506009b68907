using System.Threading.Channels;

namespace Cryo.Operator.Queue;

/// <summary>
/// A de-duplicating work queue keyed by namespace/name, after client-go's: a key is queued at most once,
/// and a key being processed is not handed out again until <see cref="Done"/>; if it was added meanwhile,
/// it is queued again then. Delayed adds feed requeues and backoff; their delays run on the injected clock.
/// </summary>
/// <param name="clock">The clock delayed adds wait on (the system clock unless a test moves time by hand).</param>
public sealed class WorkQueue(TimeProvider? clock = null) : IDisposable
{
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private readonly Channel<ObjectKey> ready = Channel.CreateUnbounded<ObjectKey>();
    private readonly HashSet<ObjectKey> queued = [];
    private readonly HashSet<ObjectKey> processing = [];
    private readonly HashSet<ObjectKey> dirty = [];
    private readonly CancellationTokenSource stopped = new();
    private readonly Lock gate = new();

    /// <summary>Keys waiting to be processed.</summary>
    public int Depth
    {
        get
        {
            lock (gate)
            {
                return queued.Count;
            }
        }
    }

    /// <summary>Queues <paramref name="key"/> unless it is queued already.</summary>
    public void Add(ObjectKey key)
    {
        lock (gate)
        {
            if (processing.Contains(key))
            {
                dirty.Add(key);
                return;
            }

            if (queued.Add(key))
            {
                ready.Writer.TryWrite(key);
            }
        }
    }

    /// <summary>Queues <paramref name="key"/> after <paramref name="delay"/>.</summary>
    public void AddAfter(ObjectKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        _ = Task.Delay(delay, clock, stopped.Token).ContinueWith(
            _ => Add(key), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>Waits for the next key and marks it as being processed.</summary>
    public async Task<ObjectKey> TakeAsync(CancellationToken cancellationToken)
    {
        var key = await ready.Reader.ReadAsync(cancellationToken);
        lock (gate)
        {
            queued.Remove(key);
            processing.Add(key);
        }

        return key;
    }

    /// <summary>Ends processing of <paramref name="key"/>; queues it again if it was added meanwhile.</summary>
    public void Done(ObjectKey key)
    {
        lock (gate)
        {
            processing.Remove(key);
            if (dirty.Remove(key) && queued.Add(key))
            {
                ready.Writer.TryWrite(key);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        stopped.Cancel();
        stopped.Dispose();
        ready.Writer.TryComplete();
    }
}
