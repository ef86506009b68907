using Cryo.Agent.Operations;

namespace Cryo.Agent.Grpc;

/// <summary>
/// Makes checkpoint and restore idempotent by operation ID: a repeated or concurrent call with the same
/// kind and ID joins the operation in flight or gets its successful result (kept for
/// <see cref="Retention"/>). A failed operation is forgotten as it fails, so a retry runs it again.
/// </summary>
public sealed class OperationRegistry
{
    private readonly Lock gate = new();
    private readonly Dictionary<(OperationKind Kind, string Id), ITrackedOperation> operations = [];
    private readonly TimeProvider time;

    /// <summary>Creates a registry that keeps successful results for <paramref name="retention"/>.</summary>
    public OperationRegistry(TimeProvider time, TimeSpan retention)
    {
        this.time = time;
        Retention = retention;
    }

    /// <summary>How long a successful result is kept for repeated calls.</summary>
    public TimeSpan Retention { get; }

    /// <summary>Operations not yet finished.</summary>
    public int InFlight
    {
        get
        {
            lock (gate)
            {
                return operations.Values.Count(o => !o.IsFinished);
            }
        }
    }

    /// <summary>
    /// Returns the operation for this kind and ID, starting it with <paramref name="run"/> if there is
    /// none (or only a failed or expired one).
    /// </summary>
    /// <param name="kind">Checkpoint or restore.</param>
    /// <param name="id">The caller's operation ID.</param>
    /// <param name="fingerprint">The request in words; the same ID with another request is refused.</param>
    /// <param name="run">Runs the operation; called at most once per returned operation, off the caller's context.</param>
    /// <exception cref="OperationIdReusedException">The ID is known with a different request.</exception>
    public TrackedOperation<T> GetOrStart<T>(OperationKind kind, string id, string fingerprint, Func<TrackedOperation<T>, Task<T>> run)
    {
        TrackedOperation<T> operation;
        lock (gate)
        {
            PruneExpired();
            if (operations.TryGetValue((kind, id), out var existing) && existing is TrackedOperation<T> known
                && !known.Completion.IsFaulted && !known.Completion.IsCanceled)
            {
                if (!string.Equals(known.Fingerprint, fingerprint, StringComparison.Ordinal))
                {
                    throw new OperationIdReusedException(id, known.Fingerprint);
                }

                return known;
            }

            operation = new TrackedOperation<T>(kind, id, fingerprint);
            operations[(kind, id)] = operation;
        }

        _ = Task.Run(async () =>
        {
            var outcome = RunGuarded(operation, run);

            // A failure is handed to every caller through Completion below, not thrown here.
            await ((Task)outcome).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            if (!outcome.IsCompletedSuccessfully)
            {
                Forget(operation);
            }

            operation.Finish(outcome, time.GetUtcNow());
        });
        return operation;
    }

    private static Task<T> RunGuarded<T>(TrackedOperation<T> operation, Func<TrackedOperation<T>, Task<T>> run)
    {
        try
        {
            return run(operation);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Task.FromException<T>(ex);
        }
    }

    private void Forget<T>(TrackedOperation<T> operation)
    {
        lock (gate)
        {
            if (operations.TryGetValue((operation.Kind, operation.Id), out var current) && ReferenceEquals(current, operation))
            {
                operations.Remove((operation.Kind, operation.Id));
            }
        }
    }

    private void PruneExpired()
    {
        var cutoff = time.GetUtcNow() - Retention;
        var expired = operations
            .Where(pair => pair.Value.SucceededAt is { } at && at < cutoff)
            .Select(pair => pair.Key)
            .ToList();
        foreach (var key in expired)
        {
            operations.Remove(key);
        }
    }
}
