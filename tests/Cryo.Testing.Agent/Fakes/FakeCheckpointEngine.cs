namespace Cryo.Testing.Agent.Fakes;

/// <summary>
/// A checkpoint engine that commits a made-up checkpoint into a <see cref="FakeCatalog"/>, counts its calls,
/// can be held at the dumping stage until released, and can be told to fail.
/// </summary>
public sealed class FakeCheckpointEngine(FakeCatalog catalog) : ICheckpointEngine
{
    private readonly Lock gate = new();
    private TaskCompletionSource release = NewRelease();
    private int calls;
    private int running;
    private int maxRunning;

    /// <summary>Hold every call at the dumping stage until <see cref="Release"/>.</summary>
    public bool Hold { get; set; }

    /// <summary>Thrown by the next calls instead of committing, when set.</summary>
    public Exception? Failure { get; set; }

    public int Calls => Volatile.Read(ref calls);

    public int Running => Volatile.Read(ref running);

    public int MaxRunning => Volatile.Read(ref maxRunning);

    public List<string> Started { get; } = [];

    public void Release()
    {
        lock (gate)
        {
            release.TrySetResult();
            release = NewRelease();
        }
    }

    public async Task<CheckpointOutcome> CheckpointAsync(CheckpointCommand command, IProgress<CheckpointStage> progress, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref calls);
        var now = Interlocked.Increment(ref running);
        Task held;
        lock (gate)
        {
            maxRunning = Math.Max(maxRunning, now);
            Started.Add(command.Name);
            held = release.Task;
        }

        try
        {
            progress.Report(CheckpointStage.Resolving);
            progress.Report(CheckpointStage.Freezing);
            progress.Report(CheckpointStage.Dumping);
            if (Hold)
            {
                await held.WaitAsync(cancellationToken);
            }

            if (Failure is { } failure)
            {
                throw failure;
            }

            progress.Report(CheckpointStage.Committing);
            var outcome = new CheckpointOutcome(command.Namespace, command.Name, $"{command.Namespace}/{command.Name}-{command.OperationId}",
                SizeBytes: 4096 * 3, Freeze: TimeSpan.FromMilliseconds(12), Dump: TimeSpan.FromMilliseconds(34), Total: TimeSpan.FromMilliseconds(56),
                ProcessCount: 1, CriuVersion: "4.2.1", MemoryPagesBytes: 4096, CreatedAt: DateTimeOffset.UtcNow)
            {
                // As the real agent: an uncompressed increment keeps its whole memory beside it, and its parent's copy goes.
                FlatCopyBytes = command.ParentCheckpoint is not { Length: > 0 } || command.Compression is not (null or "" or "none") ? 0 : 4096,
            };
            if (command.ParentCheckpoint is { Length: > 0 } parent)
            {
                catalog.DropFlatCopy(command.Namespace, parent);
            }
            catalog.Add(FakeCatalog.RecordFor(command, outcome));
            return outcome;
        }
        finally
        {
            Interlocked.Decrement(ref running);
        }
    }

    private static TaskCompletionSource NewRelease() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
