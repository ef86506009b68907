namespace Cryo.Operator.Transfers;

/// <summary>A Checkpoint pulled to a node: one pull at a time per pair, whichever Restores wait for it.</summary>
/// <param name="TargetNode">The node whose agent pulls.</param>
/// <param name="Namespace">The Checkpoint's namespace.</param>
/// <param name="Name">The Checkpoint's name.</param>
public sealed record PullKey(string TargetNode, string Namespace, string Name);
