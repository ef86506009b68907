using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Cryo.Api;

/// <summary>How a CheckpointSchedule's Checkpoints checkpoint: the options of <see cref="CheckpointSpec"/> they carry.</summary>
public sealed class CheckpointTemplate
{
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

    /// <summary>Checkpoint without the container's writable layer.</summary>
    [JsonPropertyName("skipRootFilesystem")]
    [DefaultValue(false)]
    public bool? SkipRootFilesystem { get; set; }

    /// <summary>How the Checkpoints store their page images (see <see cref="CheckpointSpec.Compression"/>).</summary>
    [JsonPropertyName("compression")]
    [ApiEnum(typeof(CheckpointCompression))]
    [DefaultValue(CheckpointCompression.None)]
    public string? Compression { get; set; }

    /// <summary>
    /// The Checkpoints' <see cref="CheckpointSpec.ParentCheckpoint"/>: <see cref="CheckpointSpec.AutoParent"/> makes each an increment of
    /// the newest Succeeded Checkpoint of the same container (the schedule's previous one); unset, each is full.
    /// </summary>
    [JsonPropertyName("parentCheckpoint")]
    public string? ParentCheckpoint { get; set; }

    /// <summary>How long the agent may take for each checkpoint.</summary>
    [JsonPropertyName("timeoutSeconds")]
    [DefaultValue(CheckpointSpec.DefaultTimeoutSeconds)]
    public int? TimeoutSeconds { get; set; }
}
