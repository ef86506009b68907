using System.Threading.Channels;
using Cryo.Agent.Operations;

namespace Cryo.Agent.Grpc;

/// <summary>
/// One checkpoint or restore, run once per operation ID however many calls wait for it. Calls observe
/// its stages and await its result; cancelling a call does not cancel the operation (a retry joins it).
/// </summary>
/// <typeparam name="T">The result type.</typeparam>
public sealed class TrackedOperation<T> : ITrackedOperation, IProgress<CheckpointStage>
{
    private readonly Lock gate = new();
    private readonly List<Channel<CheckpointStage>> watchers = [];
    private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CheckpointStage? stage;
    private bool finished;

    internal TrackedOperation(OperationKind kind, string id, string fingerprint)
    {
        Kind = kind;
        Id = id;
        Fingerprint = fingerprint;
    }

    /// <summary>What kind of operation.</summary>
    public OperationKind Kind { get; }

    /// <summary>The caller's operation ID.</summary>
    public string Id { get; }

    /// <summary>The request it was started for, in words; a different request with this ID is refused.</summary>
    public string Fingerprint { get; }

    /// <summary>The result, or the typed exception the operation failed with.</summary>
    public Task<T> Completion => completion.Task;

    /// <inheritdoc />
    public bool IsFinished => completion.Task.IsCompleted;

    /// <summary>When it finished successfully (results are kept for a while after).</summary>
    public DateTimeOffset? SucceededAt { get; private set; }

    /// <summary>Records the stage just entered and tells every watcher.</summary>
    public void ReportStage(CheckpointStage value)
    {
        lock (gate)
        {
            stage = value;
            foreach (var watcher in watchers)
            {
                watcher.Writer.TryWrite(value);
            }
        }
    }

    /// <inheritdoc />
    void IProgress<CheckpointStage>.Report(CheckpointStage value) => ReportStage(value);

    /// <summary>
    /// Stages from now on, starting with the current one; the reader completes when the operation ends.
    /// </summary>
    public ChannelReader<CheckpointStage> WatchStages()
    {
        var channel = Channel.CreateUnbounded<CheckpointStage>(new UnboundedChannelOptions { SingleReader = true });
        lock (gate)
        {
            if (stage is { } current)
            {
                channel.Writer.TryWrite(current);
            }

            if (finished)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                watchers.Add(channel);
            }
        }

        return channel.Reader;
    }

    internal void Finish(Task<T> outcome, DateTimeOffset now)
    {
        lock (gate)
        {
            finished = true;
            foreach (var watcher in watchers)
            {
                watcher.Writer.TryComplete();
            }

            watchers.Clear();
            if (outcome.IsCompletedSuccessfully)
            {
                SucceededAt = now;
            }
        }

        if (outcome.IsCompletedSuccessfully)
        {
            completion.TrySetResult(outcome.Result);
        }
        else if (outcome.IsCanceled)
        {
            completion.TrySetCanceled();
        }
        else
        {
            completion.TrySetException(outcome.Exception!.InnerExceptions);
        }
    }
}
