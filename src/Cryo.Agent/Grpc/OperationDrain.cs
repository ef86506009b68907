namespace Cryo.Agent.Grpc;

/// <summary>
/// Lets the checkpoints and restores that are running when the agent is told to stop (a DaemonSet rollout, a
/// node drain) finish, instead of killing CRIU mid-dump: operations run under <see cref="HardStop"/>, which is
/// cancelled only when the host's shutdown timeout (<c>DOTNET_SHUTDOWNTIMEOUTSECONDS</c>, set by the chart just
/// under the pod's termination grace period) runs out. Operations still waiting for a slot are refused as soon as
/// stopping begins (see <see cref="OperationRunner"/>).
/// </summary>
public sealed class OperationDrain(ILogger<OperationDrain> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan CleanupAllowance = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource hardStop = new();
    private readonly object gate = new();
    private TaskCompletionSource idle = Completed();
    private int running;

    /// <summary>Cancelled when running operations may no longer finish: the shutdown timeout ran out.</summary>
    public CancellationToken HardStop => hardStop.Token;

    /// <summary>Operations running now.</summary>
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

    /// <summary>Marks one operation as running until the returned handle is disposed.</summary>
    public IDisposable Enter()
    {
        lock (gate)
        {
            if (running++ == 0)
            {
                idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        return new Leave(this);
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task done;
        lock (gate)
        {
            done = idle.Task;
            if (running > 0)
            {
                logger.LogInformation("agent stopping: letting {Count} running operation(s) finish", running);
            }
        }
        try
        {
            await done.WaitAsync(cancellationToken);
            return;
        }
        catch (OperationCanceledException)
        {
        }
        logger.LogWarning("agent stopping: the shutdown timeout ran out with {Count} operation(s) running; stopping them (their workloads are thawed and partial checkpoints removed)", Running);
        await hardStop.CancelAsync();
        // Give their undo steps (thaw, remove) a moment before the process ends.
        await Task.WhenAny(done, Task.Delay(CleanupAllowance, CancellationToken.None));
    }

    /// <inheritdoc />
    public void Dispose() => hardStop.Dispose();

    private static TaskCompletionSource Completed()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }

    private void Exit()
    {
        lock (gate)
        {
            if (--running == 0)
            {
                idle.TrySetResult();
            }
        }
    }

    private sealed class Leave(OperationDrain drain) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                drain.Exit();
            }
        }
    }
}
