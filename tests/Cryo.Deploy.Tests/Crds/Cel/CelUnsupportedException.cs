namespace Cryo.Deploy.Tests.Crds.Cel;

/// <summary>A rule uses CEL beyond the subset <see cref="CelParser"/> implements; extend it or check the rule by hand.</summary>
public sealed class CelUnsupportedException(string rule, string detail)
    : Exception($"CEL rule '{rule}' is outside the subset the tests evaluate: {detail}");
