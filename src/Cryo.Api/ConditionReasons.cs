namespace Cryo.Api;

/// <summary>
/// Every reason Cryo writes into conditions and Events, in PascalCase, kept in one place so that
/// clients can branch on them.
/// </summary>
public static class ConditionReasons
{
    // Progress and success.

    /// <summary>Accepted; waiting to be processed.</summary>
    public const string Pending = "Pending";

    /// <summary>The spec was checked and names something that can be acted on.</summary>
    public const string Valid = "Valid";

    /// <summary>The agent answered.</summary>
    public const string AgentAnswered = "AgentAnswered";

    /// <summary>The checkpoint was sent to the agent.</summary>
    public const string CheckpointStarted = "CheckpointStarted";

    /// <summary>The checkpoint was committed on the volume.</summary>
    public const string CheckpointSucceeded = "CheckpointSucceeded";

    /// <summary>The agent reported that the checkpoint failed (the message carries CRIU's log lines).</summary>
    public const string CheckpointFailed = "CheckpointFailed";

    /// <summary>The restore was sent to the agent.</summary>
    public const string RestoreStarted = "RestoreStarted";

    /// <summary>The processes run again in the target container.</summary>
    public const string RestoreSucceeded = "RestoreSucceeded";

    /// <summary>A Restore asked for lazy memory and the node restored eagerly instead (Warning Event; the message says why).</summary>
    public const string LazyRestoreUnavailable = "LazyRestoreUnavailable";

    /// <summary>
    /// Pod condition <c>cryo.io/restored</c> False: a restore into the pod's container is on its way; the pod is
    /// not Ready until it completes.
    /// </summary>
    public const string Restoring = "Restoring";

    /// <summary>Pod condition <c>cryo.io/restored</c> True: the checkpoint was restored into the container's current run.</summary>
    public const string Restored = "Restored";

    /// <summary>The agent reported that the restore failed.</summary>
    public const string RestoreFailed = "RestoreFailed";

    /// <summary>A new pod was created for the restore.</summary>
    public const string PodCreated = "PodCreated";

    /// <summary>The target container is not running the placeholder yet.</summary>
    public const string WaitingForPlaceholder = "WaitingForPlaceholder";

    /// <summary>The target container runs the placeholder.</summary>
    public const string PlaceholderRunning = "PlaceholderRunning";

    /// <summary>
    /// The target container of a newPod Restore restarted (the restored application ended and the kubelet
    /// brought the placeholder back) and the checkpoint was restored into it again.
    /// </summary>
    public const string Rerestored = "Rerestored";

    /// <summary>
    /// A restore into the restarted container failed: retried with backoff when the failure may pass (the agent
    /// was unreachable, timed out or ran out of space), otherwise the Restore Failed.
    /// </summary>
    public const string RerestoreFailed = "RerestoreFailed";

    /// <summary>Restoring into the restarted container failed transiently as many times in a row as the operator allows; the Restore Failed.</summary>
    public const string RerestoreAttemptsExhausted = "RerestoreAttemptsExhausted";

    /// <summary>
    /// The target container ended or restarted while a restore into it was in flight, or after it: its new run is a
    /// bare placeholder (pod condition <c>cryo.io/restored</c> False until a restore into it succeeds).
    /// </summary>
    public const string ContainerRestarted = "ContainerRestarted";

    /// <summary>
    /// The restored application ended and its container will not run again (the pod ended, or its
    /// restartPolicy does not restart the container): there is nothing more to restore into.
    /// </summary>
    public const string ContainerEnded = "ContainerEnded";

    /// <summary>The checkpoint's images were deleted from the volume.</summary>
    public const string ImagesDeleted = "ImagesDeleted";

    // RestoreSets.

    /// <summary>RestoreSet Ready True: as many copies as asked for are Ready.</summary>
    public const string AllCopiesReady = "AllCopiesReady";

    /// <summary>RestoreSet Ready False: fewer copies are Ready than asked for (being made, restoring, or waiting).</summary>
    public const string CopiesNotReady = "CopiesNotReady";

    /// <summary>A RestoreSet made a copy: a Restore into one of its pods (a warm one, or a new one).</summary>
    public const string CopyCreated = "CopyCreated";

    /// <summary>A RestoreSet removed a copy it had too many of (scaled down).</summary>
    public const string CopyDeleted = "CopyDeleted";

    /// <summary>A copy's Restore Failed; the set removes it and makes another after a backoff delay.</summary>
    public const string CopyFailed = "CopyFailed";

    /// <summary>A copy's application or pod ended for good (ContainerEnded, PodNotFound); the set removes and replaces it.</summary>
    public const string CopyEnded = "CopyEnded";

    /// <summary>New copies wait: copies failed in a row, and the delay since the latest failure has not passed.</summary>
    public const string ReplacementBackoff = "ReplacementBackoff";

    /// <summary>The API server refused a pod or Restore the set tried to create (a quota, an admission webhook, an invalid template).</summary>
    public const string CreateFailed = "CreateFailed";

    /// <summary>RestoreSet ReplicaFailure False: no copy failed since one last restored.</summary>
    public const string NoFailures = "NoFailures";

    /// <summary>A RestoreSet started a placeholder pod for its warm pool.</summary>
    public const string WarmPodCreated = "WarmPodCreated";

    /// <summary>A RestoreSet deleted a warm pod: built for an older template or Checkpoint, ended, or one more than the pool's size.</summary>
    public const string WarmPodDeleted = "WarmPodDeleted";

    // Validation failures (terminal).

    /// <summary>The named pod does not exist.</summary>
    public const string PodNotFound = "PodNotFound";

    /// <summary>The spec names a pod in another namespace.</summary>
    public const string PodInOtherNamespace = "PodInOtherNamespace";

    /// <summary>The pod is not in phase Running.</summary>
    public const string PodNotRunning = "PodNotRunning";

    /// <summary>The pod has several containers and the spec names none.</summary>
    public const string ContainerNameRequired = "ContainerNameRequired";

    /// <summary>The pod has no container of that name.</summary>
    public const string ContainerNotFound = "ContainerNotFound";

    /// <summary>The container is not running.</summary>
    public const string ContainerNotRunning = "ContainerNotRunning";

    /// <summary>The pod was deleted or replaced (other UID) while the operation was in flight.</summary>
    public const string PodChanged = "PodChanged";

    /// <summary>The parent Checkpoint does not exist or has not Succeeded.</summary>
    public const string ParentNotReady = "ParentNotReady";

    /// <summary>The parent Checkpoint is of another pod or container (or an earlier run of it).</summary>
    public const string ParentMismatch = "ParentMismatch";

    /// <summary>A Checkpoint being deleted waits: increments (Checkpoints naming it as their parent) read its images.</summary>
    public const string HeldByChildren = "HeldByChildren";

    /// <summary>A node that held a pulled copy of a Checkpoint being deleted is gone from the cluster, its copy with it.</summary>
    public const string NodeGone = "NodeGone";

    /// <summary>A pulled copy of a Checkpoint being deleted was left on its node: no agent there answered in time.</summary>
    public const string CopySkipped = "CopySkipped";

    /// <summary>The node cannot build incremental chains (no memory tracking).</summary>
    public const string IncrementalNotSupported = "IncrementalNotSupported";

    /// <summary>The pod shares one PID namespace between its containers.</summary>
    public const string SharedProcessNamespace = "SharedProcessNamespace";

    /// <summary>The Restore's Checkpoint does not exist.</summary>
    public const string CheckpointNotFound = "CheckpointNotFound";

    /// <summary>The Restore's Checkpoint has not Succeeded (yet).</summary>
    public const string CheckpointNotSucceeded = "CheckpointNotSucceeded";

    /// <summary>The Checkpoint carries no pod spec to build a new pod from.</summary>
    public const string PodSpecMissing = "PodSpecMissing";

    /// <summary>A pod with the requested name exists and was not created by this Restore.</summary>
    public const string PodNameTaken = "PodNameTaken";

    /// <summary>The target pod ended before the restore was done.</summary>
    public const string PodFailed = "PodFailed";

    // Checkpoints pulled from another node's agent for a Restore.

    /// <summary>The target node's agent is pulling the Checkpoint from the node that holds it (condition and Event).</summary>
    public const string Pulling = "Pulling";

    /// <summary>The target node's agent holds the Checkpoint now, pulled from the node that took it (condition and Event).</summary>
    public const string Pulled = "Pulled";

    /// <summary>The pull stopped before it finished (an agent unreachable, busy or restarting); the next pull resumes from what verified.</summary>
    public const string TransferInterrupted = "TransferInterrupted";

    /// <summary>The pull failed for good (the source holds no such checkpoint, or a corrupted one); the source's checkpoint is untouched.</summary>
    public const string TransferFailed = "TransferFailed";

    // Transient failures (retried with backoff).

    /// <summary>No ready agent pod runs on the node.</summary>
    public const string AgentNotFound = "AgentNotFound";

    /// <summary>The agent could not be reached or did not answer in time.</summary>
    public const string AgentUnavailable = "AgentUnavailable";

    /// <summary>The agent refused the call (for example, invalid arguments); not retried.</summary>
    public const string AgentRejected = "AgentRejected";

    // CheckpointSchedules, eviction checkpoints and time to live.

    /// <summary>A CheckpointSchedule is valid and waits for its next run.</summary>
    public const string Scheduled = "Scheduled";

    /// <summary>A CheckpointSchedule is suspended: no run starts.</summary>
    public const string Suspended = "Suspended";

    /// <summary>A CheckpointSchedule's schedule, interval, time zone or maxAge cannot be read; no run starts.</summary>
    public const string InvalidSchedule = "InvalidSchedule";

    /// <summary>A run of a CheckpointSchedule created a Checkpoint.</summary>
    public const string CheckpointCreated = "CheckpointCreated";

    /// <summary>A run waits: the schedule's concurrencyPolicy is Forbid and an earlier Checkpoint has not finished.</summary>
    public const string RunWaiting = "RunWaiting";

    /// <summary>The concurrencyPolicy is Replace: an unfinished Checkpoint was deleted for the new run.</summary>
    public const string CheckpointReplaced = "CheckpointReplaced";

    /// <summary>Runs were missed (the operator was down, the schedule suspended); at most the latest one is made up.</summary>
    public const string MissedSchedule = "MissedSchedule";

    /// <summary>A run found no running pod that the schedule's selector matches.</summary>
    public const string NoPodsMatched = "NoPodsMatched";

    /// <summary>A finished Checkpoint beyond the schedule's history limits or maxAge was deleted.</summary>
    public const string CheckpointPruned = "CheckpointPruned";

    /// <summary>The pod is being deleted and asks for a checkpoint first: a Checkpoint of its container was created.</summary>
    public const string CheckpointOnEviction = "CheckpointOnEviction";

    /// <summary>Event: the checkpoint store of a node is at or above the operator's capacity alarm.</summary>
    public const string StoreNearlyFull = "StoreNearlyFull";

    /// <summary>A Checkpoint of the name a schedule's run gives exists and is not the schedule's: that run has no Checkpoint of that pod.</summary>
    public const string CheckpointNameTaken = "CheckpointNameTaken";

    /// <summary>The object finished ttlSecondsAfterFinished ago and was deleted.</summary>
    public const string Expired = "Expired";

    /// <summary>An imported Checkpoint waits for its archive to arrive in the store of the agent on spec.import.nodeName.</summary>
    public const string AwaitingArchive = "AwaitingArchive";

    /// <summary>An imported Checkpoint's archive is in the agent's store: it can be restored.</summary>
    public const string CheckpointImported = "CheckpointImported";

    /// <summary>No archive arrived for an imported Checkpoint within spec.timeoutSeconds of its start.</summary>
    public const string ArchiveNotReceived = "ArchiveNotReceived";

    // Migrations.

    /// <summary>Migration: the target node's agent can restore what the source node checkpoints.</summary>
    public const string PreflightPassed = "PreflightPassed";

    /// <summary>Migration: the target node's agent cannot restore it (the message names each gap); nothing was stopped.</summary>
    public const string PreflightFailed = "PreflightFailed";

    /// <summary>Migration: spec.nodeName is the node the pod already runs on.</summary>
    public const string SameNode = "SameNode";

    /// <summary>Migration: no Ready node other than the pod's matches spec.nodeSelector and runs an agent; nothing was stopped.</summary>
    public const string NoTargetNode = "NoTargetNode";

    /// <summary>Migration: the copy runs on the target node and the original pod was deleted.</summary>
    public const string Migrated = "Migrated";

    /// <summary>Migration: the restore on the target failed after the final dump; the checkpoint is restored on the source node instead.</summary>
    public const string RestoringInPlace = "RestoringInPlace";

    /// <summary>Migration: the copy runs on the source node again after the restore on the target failed.</summary>
    public const string RestoredInPlace = "RestoredInPlace";

    /// <summary>Migration: the new pod does not carry the original's owner references (a Deployment's ReplicaSet would not count it, and may replace the original).</summary>
    public const string OwnerReferencesNotCarried = "OwnerReferencesNotCarried";

    /// <summary>Migration: the original pod was deleted once the copy ran.</summary>
    public const string SourcePodDeleted = "SourcePodDeleted";

    /// <summary>Migration (precopy): the copy's pod was made on the target node while the live checkpoint travels.</summary>
    public const string TargetPodPrepared = "TargetPodPrepared";

    /// <summary>Migration (precopy): the pod made in advance was deleted, since the Migration failed before a copy came to it.</summary>
    public const string TargetPodDeleted = "TargetPodDeleted";
}
