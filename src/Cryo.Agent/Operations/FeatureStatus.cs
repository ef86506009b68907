namespace Cryo.Agent.Operations;

/// <summary>Whether a CRIU or kernel feature works on this node, and why not.</summary>
/// <param name="Available">True when it works.</param>
/// <param name="Reason">Why it does not (empty when it does).</param>
public sealed record FeatureStatus(bool Available, string Reason);
