namespace Cryo.Operator.KubernetesApi;

/// <summary>Parameters of one list or watch call.</summary>
/// <param name="Watch">Watch instead of list.</param>
/// <param name="ResourceVersion">Where a watch starts (exclusive); null lists or watches from now.</param>
/// <param name="TimeoutSeconds">Server-side timeout of a watch.</param>
public sealed record ListRequest(bool Watch, string? ResourceVersion, int? TimeoutSeconds);
