namespace Cryo.Agent.Operations;

/// <summary>What the agent knows about its node's CRIU and kernel.</summary>
/// <param name="CriuVersion">The CRIU version found, e.g. <c>4.2.1</c>.</param>
/// <param name="KernelRelease">The kernel release (<c>uname -r</c>).</param>
/// <param name="Capabilities">Features by name (e.g. <c>mem_dirty_track</c>), each available or not, with why.</param>
public sealed record NodeFacts(string CriuVersion, string KernelRelease, IReadOnlyDictionary<string, FeatureStatus> Capabilities);
