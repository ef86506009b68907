namespace Cryo.Testing.Agent.Fakes;

/// <summary>A restore engine that "restores" checkpoints present in the catalog, counting its calls.</summary>
public sealed class FakeRestoreEngine(FakeCatalog catalog) : IRestoreEngine
{
    private int calls;
    private int nextPid = 50000;

    public int Calls => Volatile.Read(ref calls);

    public RestoreCommand? Last { get; private set; }

    /// <summary>When set, a lazy restore is answered as one that fell back to eager for this reason.</summary>
    public string? LazyFallbackReason { get; set; }

    public async Task<RestoreOutcome> RestoreAsync(RestoreCommand command, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref calls);
        Last = command;
        _ = await catalog.FindAsync(command.Namespace, command.Name, cancellationToken)
            ?? throw new CheckpointNotFoundException(command.Namespace, command.Name);
        return new RestoreOutcome(Interlocked.Increment(ref nextPid), 1,
            TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(50))
        {
            Lazy = command.Lazy && LazyFallbackReason is null,
            LazyFallbackReason = command.Lazy ? LazyFallbackReason : null,
            Steps = new RestoreSteps(TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(7), TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(41),
                TimeSpan.FromMilliseconds(4)) { FilesWait = TimeSpan.FromMilliseconds(1), VerifyWait = TimeSpan.FromMilliseconds(6) },
        };
    }
}
