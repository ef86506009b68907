namespace Cryo.Agent.Transfer;

/// <summary>
/// One pull of a checkpoint that every <c>PullCheckpoint</c> call for it waits on (<see cref="CheckpointPulls"/>):
/// each caller joins with its progress, is told the latest report at once and every later one, and leaves when
/// its call ends; the pull is stopped when the last one leaves, as a pull runs only while someone waits for it.
/// </summary>
internal sealed class SharedPull : IProgress<PullProgress>, IDisposable
{
    private readonly Lock gate = new();
    private readonly List<IProgress<PullProgress>> watchers = [];
    private readonly CancellationTokenSource stop = new();
    private PullProgress? latest;
    private bool disposed;

    /// <summary>The pull; set by <see cref="Start"/>.</summary>
    public Task<PullResult> Task { get; private set; } = System.Threading.Tasks.Task.FromCanceled<PullResult>(new CancellationToken(canceled: true));

    /// <summary>When the pull succeeded; set by its runner (<see cref="CheckpointPulls"/>, under its lock).</summary>
    public DateTimeOffset? SucceededAt { get; set; }

    /// <summary>Whether the last caller left before it ended.</summary>
    public bool IsStopped
    {
        get
        {
            lock (gate)
            {
                return disposed || stop.IsCancellationRequested;
            }
        }
    }

    /// <summary>Runs <paramref name="pull"/>, stopped by <see cref="Leave"/> of the last caller.</summary>
    public void Start(Func<CancellationToken, Task<PullResult>> pull) => Task = System.Threading.Tasks.Task.Run(() => pull(stop.Token));

    /// <summary>A caller waits on the pull, told its progress from now on (the latest report first).</summary>
    public void Join(IProgress<PullProgress> watcher)
    {
        PullProgress? last;
        lock (gate)
        {
            watchers.Add(watcher);
            last = latest;
        }

        if (last is { } report)
        {
            watcher.Report(report);
        }
    }

    /// <summary>A caller stops waiting; the last one stops the pull if it still runs.</summary>
    public void Leave(IProgress<PullProgress> watcher)
    {
        lock (gate)
        {
            watchers.Remove(watcher);
            if (watchers.Count == 0 && !Task.IsCompleted && !disposed)
            {
                stop.Cancel();
            }
        }
    }

    /// <inheritdoc />
    public void Report(PullProgress value)
    {
        IProgress<PullProgress>[] now;
        lock (gate)
        {
            latest = value;
            now = [.. watchers];
        }

        foreach (var watcher in now)
        {
            watcher.Report(value);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            stop.Dispose();
        }
    }
}
