namespace Cryo.Operator.Queue;

/// <summary>What a reconcile pass asks for next.</summary>
public sealed record ReconcileResult
{
    private ReconcileResult(TimeSpan? requeueAfter, bool backoff, string outcome)
    {
        RequeueAfter = requeueAfter;
        Backoff = backoff;
        Outcome = outcome;
    }

    /// <summary>Converged: nothing to do until the object or its pod changes (or the resync).</summary>
    public static ReconcileResult Done { get; } = new(null, false, "done");

    /// <summary>Progressing: look again right away (the next step needs a fresh read).</summary>
    public static ReconcileResult Continue { get; } = new(TimeSpan.Zero, false, "continue");

    /// <summary>A transient failure: retry with exponential backoff per key.</summary>
    public static ReconcileResult Retry { get; } = new(null, true, "retry");

    /// <summary>Waiting on something outside: look again after this delay (events may come sooner).</summary>
    public TimeSpan? RequeueAfter { get; }

    /// <summary>Retry with backoff.</summary>
    public bool Backoff { get; }

    /// <summary>Low-cardinality label for metrics: done, continue, wait, retry.</summary>
    public string Outcome { get; }

    /// <summary>Look again after <paramref name="delay"/>.</summary>
    public static ReconcileResult After(TimeSpan delay) => new(delay, false, "wait");
}
