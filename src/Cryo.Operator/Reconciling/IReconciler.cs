using Cryo.Operator.Queue;

namespace Cryo.Operator.Reconciling;

/// <summary>One level-based pass over one object: re-read, compare with what exists, converge.</summary>
public interface IReconciler
{
    /// <summary>The kind reconciled, for logs and metrics.</summary>
    string Kind { get; }

    /// <summary>Runs one pass for <paramref name="key"/>; running it twice is harmless.</summary>
    Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken);
}
