namespace Cryo.Agent.Transfer;

/// <summary>
/// Paces every transfer stream of the agent together to <see cref="TransferOptions.MaxBytesPerSecond"/>:
/// each send books its bytes on one shared timeline and waits until its booking starts. Unlimited (0)
/// never waits.
/// </summary>
public sealed class TransferThrottle(long bytesPerSecond, TimeProvider time)
{
    private readonly Lock timeline = new();
    private long nextFreeTicks;

    /// <summary>The rate in force; 0 means unlimited.</summary>
    public long BytesPerSecond { get; } = bytesPerSecond >= 0 ? bytesPerSecond : throw new ArgumentOutOfRangeException(nameof(bytesPerSecond));

    /// <summary>Waits until <paramref name="bytes"/> more may be sent.</summary>
    public Task WaitAsync(long bytes, CancellationToken cancellationToken)
    {
        if (BytesPerSecond == 0)
        {
            return Task.CompletedTask;
        }

        TimeSpan wait;
        lock (timeline)
        {
            var now = time.GetTimestamp();
            var start = Math.Max(now, nextFreeTicks);
            nextFreeTicks = start + (long)((double)bytes / BytesPerSecond * time.TimestampFrequency);
            wait = time.GetElapsedTime(now, start);
        }

        return wait > TimeSpan.Zero ? Task.Delay(wait, time, cancellationToken) : Task.CompletedTask;
    }
}
