namespace Cryo.Agent.Preflight;

/// <summary>One reason this node cannot restore a checkpoint.</summary>
/// <param name="Kind">What kind: one of the <see cref="PreflightGapKinds"/>.</param>
/// <param name="Name">What is missing: a feature's name, <c>cpu</c>, <c>criu</c>, <c>kernel</c>.</param>
/// <param name="Required">What the checkpoint needs.</param>
/// <param name="Found">What this node has (for a feature, why it is unavailable).</param>
/// <param name="Message">One sentence naming the gap and what to do.</param>
public sealed record PreflightGap(string Kind, string Name, string Required, string Found, string Message);
