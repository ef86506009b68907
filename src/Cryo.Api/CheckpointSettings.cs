using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>
/// How a checkpoint is taken: what a Checkpoint's spec and a CheckpointSchedule's template share. Unset optional fields
/// take the defaults the CRD declares.
/// </summary>
public abstract class CheckpointSettings
{
    /// <summary>The default of <see cref="TimeoutSeconds"/>.</summary>
    public const int DefaultTimeoutSeconds = 300;

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

    /// <summary><see cref="LeaveRunning"/> with its default applied.</summary>
    [JsonIgnore]
    public bool EffectiveLeaveRunning => LeaveRunning ?? true;

    /// <summary><see cref="TimeoutSeconds"/> with its default applied.</summary>
    [JsonIgnore]
    public int EffectiveTimeoutSeconds => TimeoutSeconds ?? DefaultTimeoutSeconds;

    /// <summary>Copies every option onto <paramref name="target"/>, so a new option added here is carried wherever options are copied.</summary>
    /// <param name="target">The options to overwrite.</param>
    public void CopyTo(CheckpointSettings target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.LeaveRunning = LeaveRunning;
        target.TcpEstablished = TcpEstablished;
        target.FileLocks = FileLocks;
        target.SkipRootFilesystem = SkipRootFilesystem;
        target.Compression = Compression;
        target.TimeoutSeconds = TimeoutSeconds;
        target.ParentCheckpoint = ParentCheckpoint;
    }
}
