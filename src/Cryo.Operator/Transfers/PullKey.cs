namespace Cryo.Operator.Transfers;

/// <summary>A Checkpoint pulled to a node: one pull at a time per pair, whichever Restores wait for it.</summary>
/// <param name="TargetNode">The node whose agent pulls.</param>
/// <param name="Namespace">The Checkpoint's namespace.</param>
/// <param name="Name">The Checkpoint's name.</param>
/// <param name="CheckpointUid">The Checkpoint's UID: a Checkpoint deleted and made again under its name is another pull.</param>
public sealed record PullKey(string TargetNode, string Namespace, string Name, string CheckpointUid)
{
    /// <summary>
    /// The <c>operation_id</c> of the agent's <c>PullCheckpoint</c> call: made of the Checkpoint's UID and the target node
    /// only, so every pass, and every operator (after a restart or a change of leader), asks the same ID for the same copy
    /// and joins, or is answered by, the pull that ran for it rather than starting another; and a re-created Checkpoint of
    /// the same name, or another target node, gets an ID of its own (the agent refuses one ID for two checkpoints).
    /// </summary>
    public string OperationId => $"pull-{CheckpointUid}-{TargetNode}";
}
