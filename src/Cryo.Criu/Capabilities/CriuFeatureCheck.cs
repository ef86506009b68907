namespace Cryo.Criu.Capabilities;

/// <summary>The answer of <c>criu check --feature NAME</c>.</summary>
/// <param name="Feature">The feature asked about.</param>
/// <param name="Supported">Whether CRIU answered with exit code 0.</param>
/// <param name="Output">What CRIU printed (e.g. <c>Dirty tracking is OFF. Memory snapshot will not work.</c>).</param>
public sealed record CriuFeatureCheck(CriuFeature Feature, bool Supported, string Output);
