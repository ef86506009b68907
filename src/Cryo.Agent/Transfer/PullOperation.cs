namespace Cryo.Agent.Transfer;

/// <summary>The pull a <c>PullCheckpoint</c> operation ID started or joined (<see cref="CheckpointPulls"/>).</summary>
/// <param name="Namespace">The checkpoint's namespace.</param>
/// <param name="Name">The checkpoint's name.</param>
/// <param name="Pull">The pull, running or finished.</param>
internal sealed record PullOperation(string Namespace, string Name, SharedPull Pull);
