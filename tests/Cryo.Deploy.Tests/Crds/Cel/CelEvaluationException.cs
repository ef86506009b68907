namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// A CEL runtime error (no such key, type mismatch). The API server rejects an object whose rule errors,
/// so the validator reports it as a failed rule.
/// </summary>
public sealed class CelEvaluationException(string message) : Exception(message);
