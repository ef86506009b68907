using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>What to checkpoint and how. Unset optional fields take the defaults the CRD declares.</summary>
public sealed class CheckpointSpec
{
    /// <summary>The default of <see cref="TimeoutSeconds"/>.</summary>
    public const int DefaultTimeoutSeconds = 300;

    /// <summary>Name of the pod to checkpoint.</summary>
    [JsonPropertyName("podName")]
    public string PodName { get; set; } = "";

    /// <summary>Namespace of the pod; when set it must be the Checkpoint's own namespace.</summary>
    [JsonPropertyName("podNamespace")]
    public string? PodNamespace { get; set; }

    /// <summary>Name of the container; required when the pod has several.</summary>
    [JsonPropertyName("containerName")]
    public string? ContainerName { get; set; }

    /// <summary>Keep the workload running after the dump (CRIU --leave-running).</summary>
    [JsonPropertyName("leaveRunning")]
    [DefaultValue(true)]
    public bool? LeaveRunning { get; set; }

    /// <summary>Checkpoint established TCP connections (CRIU --tcp-established).</summary>
    [JsonPropertyName("tcpEstablished")]
    [DefaultValue(false)]
    public bool? TcpEstablished { get; set; }

    /// <summary>Checkpoint file locks (CRIU --file-locks).</summary>
    [JsonPropertyName("fileLocks")]
    [DefaultValue(false)]
    public bool? FileLocks { get; set; }

    /// <summary>
    /// Checkpoint without the container's writable layer (the files it created, changed or deleted in its
    /// root filesystem). Needed for a container whose root is not an overlay, which the agent otherwise refuses.
    /// </summary>
    [JsonPropertyName("skipRootFilesystem")]
    [DefaultValue(false)]
    public bool? SkipRootFilesystem { get; set; }

    /// <summary>
    /// How the memory page images are stored: <see cref="CheckpointCompression.None"/> (as CRIU writes them) or <see cref="CheckpointCompression.Zstd"/>
    /// (compressed after the dump, decompressed before each restore: smaller, slower).
    /// </summary>
    [JsonPropertyName("compression")]
    [ApiEnum(typeof(CheckpointCompression))]
    [DefaultValue(CheckpointCompression.None)]
    public string? Compression { get; set; }

    /// <summary>How long the agent may take for the whole checkpoint.</summary>
    [JsonPropertyName("timeoutSeconds")]
    [DefaultValue(DefaultTimeoutSeconds)]
    public int? TimeoutSeconds { get; set; }

    /// <summary>
    /// Name of the parent Checkpoint of an incremental chain (only the memory changed since it is stored), or
    /// <see cref="AutoParent"/>: the newest Succeeded Checkpoint of the same container as it runs now, if any.
    /// </summary>
    [JsonPropertyName("parentCheckpoint")]
    public string? ParentCheckpoint { get; set; }

    /// <summary>The <see cref="ParentCheckpoint"/> that picks the newest Succeeded Checkpoint of the same container, or none (a full checkpoint).</summary>
    public const string AutoParent = "auto";

    /// <summary>
    /// Delete the Checkpoint (and so its images) this many seconds after it Succeeded or Failed; kept while a Restore in
    /// progress, a child Checkpoint or a RestoreSet still needs it. Unset: kept until deleted.
    /// </summary>
    [JsonPropertyName("ttlSecondsAfterFinished")]
    public int? TtlSecondsAfterFinished { get; set; }

    /// <summary>
    /// Set for a Checkpoint imported from a checkpoint archive (<c>kubectl cryo import</c>): no pod is dumped, and
    /// <see cref="PodName"/> only records the pod the archive was taken of, which need not exist.
    /// </summary>
    [JsonPropertyName("import")]
    public CheckpointImport? Import { get; set; }

    /// <summary><see cref="LeaveRunning"/> with its default applied.</summary>
    [JsonIgnore]
    public bool EffectiveLeaveRunning => LeaveRunning ?? true;

    /// <summary><see cref="TimeoutSeconds"/> with its default applied.</summary>
    [JsonIgnore]
    public int EffectiveTimeoutSeconds => TimeoutSeconds ?? DefaultTimeoutSeconds;
}
