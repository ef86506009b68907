namespace Cryo.Api;

/// <summary>The values of a Migration's <c>status.phase</c>, in the order a migration goes through them.</summary>
public static class MigrationPhase
{
    /// <summary>Accepted; nothing done yet.</summary>
    public const string Pending = "Pending";

    /// <summary>The target node's agent is asked whether it can restore what the source node checkpoints.</summary>
    public const string Preflight = "Preflight";

    /// <summary>The migration's Checkpoint is being taken.</summary>
    public const string Checkpointing = "Checkpointing";

    /// <summary>The checkpoint is on its way to the target node (its pod starting, its agent pulling).</summary>
    public const string Transferring = "Transferring";

    /// <summary>The target node's agent restores into the new pod.</summary>
    public const string Restoring = "Restoring";

    /// <summary>The copy runs on the target node; the original pod was deleted.</summary>
    public const string Completed = "Completed";

    /// <summary>The migration did not move the pod; <c>status.message</c> says why and which copy runs.</summary>
    public const string Failed = "Failed";
}
