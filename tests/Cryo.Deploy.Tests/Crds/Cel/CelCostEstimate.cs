namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>
/// What <see cref="CelCostEstimator"/> found for one expression: its result type (null when it could not be
/// typed), the worst-case cost of one evaluation, whether it reads oldSelf (a transition rule), and the
/// type errors the API server's compiler would report.
/// </summary>
public sealed record CelCostEstimate(CelType? ResultType, ulong MaxCost, bool UsesOldSelf, IReadOnlyList<string> Errors);
