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

    /// <summary>Label on a pod created by a Restore: the restored Checkpoint's name.</summary>
    public const string CheckpointLabel = "cryo.io/checkpoint";

    /// <summary>
    /// Annotation on a pod created by a Restore naming the container that runs the placeholder and
    /// receives the restored processes.
    /// </summary>
    public const string PlaceholderContainerAnnotation = "cryo.io/placeholder-container";

    /// <summary>Name of the init container that copies the placeholder program into the pod.</summary>
    public const string PlaceholderInitContainerName = "cryo-placeholder-install";

    /// <summary>Name of the emptyDir volume that carries the placeholder program.</summary>
    public const string PlaceholderVolumeName = "cryo-placeholder";

    /// <summary>Where the placeholder program lives in the agent image.</summary>
    public const string PlaceholderProgramPath = "/usr/local/bin/cryo-placeholder";

    /// <summary>Where the placeholder volume is mounted in the workload container.</summary>
    public const string PlaceholderMountPath = "/.cryo";

    /// <summary>The field manager name Cryo's operator uses for its writes.</summary>
    public const string FieldManager = "cryo-operator";
}
