namespace Cryo.Api;

/// <summary>
/// Names shared by the operator, the agent and the deployment files: the API group and version,
/// and the labels, annotations and finalizer Cryo puts on objects.
/// </summary>
public static class CryoNames
{
    /// <summary>The API group of Cryo's custom resources.</summary>
    public const string Group = "cryo.io";

    /// <summary>The served and stored version of Cryo's custom resources.</summary>
    public const string Version = "v1alpha1";

    /// <summary><c>cryo.io/v1alpha1</c>, the apiVersion field of Cryo's objects.</summary>
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>
    /// Finalizer on a Checkpoint while its images exist on the checkpoint volume: the images live outside
    /// the cluster, so the operator must ask the agent to delete them before the object may go.
    /// </summary>
    public const string CheckpointImagesFinalizer = "cryo.io/checkpoint-images";

    /// <summary>Label on a pod created by a Restore: the Restore's name.</summary>
    public const string RestoreLabel = "cryo.io/restore";

    /// <summary>
    /// Label on the pods and Restores of a RestoreSet: the set's name. Its copies' pods also carry
    /// <see cref="RestoreLabel"/> (its warm pods do not), so <c>cryo.io/restore-set=NAME,cryo.io/restore</c> selects the copies.
    /// </summary>
    public const string RestoreSetLabel = "cryo.io/restore-set";

    /// <summary>
    /// Label on the pods and Restores of a RestoreSet: a hash of the pod the set builds (the checkpointed pod's spec with
    /// the placeholder and the set's template). A warm pod whose hash is not the current one is replaced.
    /// </summary>
    public const string TemplateHashLabel = "cryo.io/template-hash";

    /// <summary>Label on a pod created by a Restore: the restored Checkpoint's name.</summary>
    public const string CheckpointLabel = "cryo.io/checkpoint";

    /// <summary>On the Checkpoints and Restores a Migration creates: the Migration's name.</summary>
    public const string MigrationLabel = "cryo.io/migration";

    /// <summary>
    /// Annotation on a pod created by a Restore naming the container that runs the placeholder and
    /// receives the restored processes.
    /// </summary>
    public const string PlaceholderContainerAnnotation = "cryo.io/placeholder-container";

    /// <summary>
    /// The pod condition that says whether the restored application runs in the pod's current container run,
    /// and the readiness gate every pod a Restore creates declares on it: Kubernetes keeps the pod not Ready
    /// (out of its Services' endpoints) until the operator sets it True after a restore, whatever the containers'
    /// probes say. A pod of the user's (an existingPod target) that declares the same gate gets the same condition.
    /// </summary>
    public const string RestoredCondition = "cryo.io/restored";

    /// <summary>
    /// Annotation <c>kubectl cryo import</c> sets on an imported Checkpoint (spec.import) once the agent has committed its
    /// archive, so the operator looks at once instead of at its next check.
    /// </summary>
    public const string ArchiveImportedAnnotation = "cryo.io/archive-imported";

    /// <summary>Name of the init container that copies the placeholder program into the pod.</summary>
    public const string PlaceholderInitContainerName = "cryo-placeholder-install";

    /// <summary>Name of the volume that carries the placeholder program (a CSI volume of the agent's driver, or an emptyDir the init container fills).</summary>
    public const string PlaceholderVolumeName = "cryo-placeholder";

    /// <summary>
    /// The agent's CSI driver serving placeholder volumes (CSI ephemeral inline volumes holding the placeholder
    /// program, so restore pods need no init container). The chart's CSIDriver object has this name.
    /// </summary>
    public const string PlaceholderCsiDriver = "placeholder.cryo.io";

    /// <summary>
    /// Name of the writable emptyDir where the agent hands the placeholder the restored root's PID, mounted at
    /// <see cref="PlaceholderHandoffMountPath"/> over the read-only placeholder volume's mount point for it.
    /// </summary>
    public const string PlaceholderHandoffVolumeName = "cryo-handoff";

    /// <summary>Where the handoff emptyDir is mounted (the directory of the placeholder's default handoff file).</summary>
    public const string PlaceholderHandoffMountPath = PlaceholderMountPath + "/handoff";

    /// <summary>
    /// The placeholder's environment variable for how long it waits for a restore before it gives up (seconds; 0
    /// waits forever). A RestoreSet's pods wait forever: a warm pod may wait hours for its copy.
    /// </summary>
    public const string PlaceholderTimeoutVariable = "CRYO_PLACEHOLDER_TIMEOUT_SECONDS";

    /// <summary>Where the placeholder program lives in the agent image.</summary>
    public const string PlaceholderProgramPath = "/usr/local/bin/cryo-placeholder";

    /// <summary>Where the placeholder volume is mounted in the workload container.</summary>
    public const string PlaceholderMountPath = "/.cryo";

    /// <summary>Label on a Checkpoint a CheckpointSchedule created: the schedule's name.</summary>
    public const string ScheduleLabel = "cryo.io/schedule";

    /// <summary>Annotation on a Checkpoint a CheckpointSchedule created: the run's scheduled time (RFC 3339, UTC).</summary>
    public const string ScheduledAtAnnotation = "cryo.io/scheduled-at";

    /// <summary>Label on a Checkpoint the operator created on its own: what made it (<c>schedule</c> or <c>eviction</c>).</summary>
    public const string TriggerLabel = "cryo.io/trigger";

    /// <summary>
    /// Pod annotation: <c>"true"</c> makes the operator checkpoint the pod's container as soon as the pod is being
    /// deleted (evicted, drained, deleted) while it still runs.
    /// </summary>
    public const string CheckpointOnEvictionAnnotation = "cryo.io/checkpoint-on-eviction";

    /// <summary>Pod annotation: the container an eviction checkpoint takes, when the pod has several.</summary>
    public const string EvictionContainerAnnotation = "cryo.io/checkpoint-container";

    /// <summary>Pod annotation: the start of the name of the eviction Checkpoint (the pod's name by default).</summary>
    public const string EvictionNamePrefixAnnotation = "cryo.io/checkpoint-name-prefix";

    /// <summary>The field manager name Cryo's operator uses for its writes.</summary>
    public const string FieldManager = "cryo-operator";
}
