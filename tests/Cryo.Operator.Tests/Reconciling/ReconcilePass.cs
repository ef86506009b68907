namespace Cryo.Operator.Tests.Reconciling;

/// <summary>What one reconcile pass asked for next, and what it wrote to the API server.</summary>
/// <param name="Result">The pass's result.</param>
/// <param name="Requests">The operator's writes, in order.</param>
public sealed record ReconcilePass(ReconcileResult Result, IReadOnlyList<RecordedRequest> Requests)
{
    /// <summary>The writes as "VERB resource/name[/subresource]" within the namespace, e.g. "PUT checkpoints/web-1/status".</summary>
    public IReadOnlyList<string> Writes { get; } = Requests
        .Select(r => $"{r.Method} {r.Path[(r.Path.IndexOf($"/namespaces/{SinglePassHarness.Ns}/", StringComparison.Ordinal) + $"/namespaces/{SinglePassHarness.Ns}/".Length)..]}")
        .ToList();
}
