namespace Cryo.Api;

/// <summary>The condition types Cryo writes into <c>status.conditions</c>.</summary>
public static class ConditionTypes
{
    /// <summary>Checkpoint: the spec names a running container of a pod in the same namespace.</summary>
    public const string Validated = "Validated";

    /// <summary>The agent on the relevant node answered (False while it cannot be reached).</summary>
    public const string AgentReachable = "AgentReachable";

    /// <summary>Restore, RestoreSet: the named Checkpoint exists and has Succeeded.</summary>
    public const string CheckpointReady = "CheckpointReady";

    /// <summary>Restore: the target pod exists and its container runs the placeholder.</summary>
    public const string PodReady = "PodReady";

    /// <summary>
    /// Checkpoint, Restore: the operation finished successfully (True), is in progress (Unknown) or failed (False).
    /// RestoreSet: as many copies as asked for are Ready (True), or not (False, with how many are).
    /// </summary>
    public const string Ready = "Ready";

    /// <summary>
    /// Checkpoint being deleted: its images are still needed (True, naming the increments that read them), so the
    /// finalizer stays until those are deleted.
    /// </summary>
    public const string DeletionBlocked = "DeletionBlocked";

    /// <summary>
    /// Checkpoint being deleted: the pulled copies on other nodes (status.copies) are not all deleted yet (False, naming
    /// the nodes whose agents do not answer; its lastTransitionTime is when the first began to wait).
    /// </summary>
    public const string CopiesDeleted = "CopiesDeleted";

    /// <summary>RestoreSet: copies failed or could not be created (True, with the latest cause), or none did since one last restored (False).</summary>
    public const string ReplicaFailure = "ReplicaFailure";

    /// <summary>
    /// Restore: the target node's agent is pulling the Checkpoint from the agent of the node that holds it (True, with
    /// the bytes verified of the bytes total), pulled it (False, <see cref="ConditionReasons.Pulled"/>), or the pull
    /// stopped (False, <see cref="ConditionReasons.TransferInterrupted"/> or <see cref="ConditionReasons.TransferFailed"/>).
    /// Absent while no pull was needed.
    /// </summary>
    public const string Transferring = "Transferring";

    /// <summary>Migration: the target node's agent said it can restore what the source node checkpoints (True), or named what it lacks (False).</summary>
    public const string PreflightPassed = "PreflightPassed";

    /// <summary>Migration: the final checkpoint is committed (True), is being taken (Unknown), or failed with the source left running (False).</summary>
    public const string Checkpointed = "Checkpointed";

    /// <summary>Migration: the copy runs on the target node (True), is on its way (Unknown), or could not be restored there (False).</summary>
    public const string Restored = "Restored";
}
