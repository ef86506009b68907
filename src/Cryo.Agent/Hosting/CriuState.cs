using Cryo.Criu.Capabilities;

namespace Cryo.Agent.Hosting;

/// <summary>What the agent found when it last looked at its CRIU.</summary>
/// <param name="Path">The binary looked at.</param>
/// <param name="Capabilities">Version, kernel and features; <see langword="null"/> when CRIU could not be run.</param>
/// <param name="Problem">Why CRIU is not usable (empty when it is).</param>
public sealed record CriuState(string Path, CriuCapabilities? Capabilities, string Problem)
{
    /// <summary>True when CRIU ran, is new enough and <c>criu check</c> passed.</summary>
    public bool Usable => Problem.Length == 0;
}
