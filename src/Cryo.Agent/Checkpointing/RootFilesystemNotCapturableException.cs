using Cryo.Agent.Operations;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// The tree has its own mount namespace but its root is not an overlay with an upper layer, so the files
/// the workload wrote there cannot be captured, and the caller did not opt out of them. Raised before
/// anything is frozen or written; the message says what the root is and which option proceeds anyway.
/// </summary>
public sealed class RootFilesystemNotCapturableException : AgentException
{
    /// <summary>The request field (proto path) that checkpoints without the writable layer.</summary>
    public const string OptOutField = "options.skip_root_filesystem";

    /// <summary>Creates the exception.</summary>
    /// <param name="pid">Host PID of the tree's root.</param>
    /// <param name="filesystemType">The root mount's filesystem type (<c>ext4</c>, <c>xfs</c>, <c>tmpfs</c>…).</param>
    /// <param name="source">The root mount's source (a device, or the filesystem's name).</param>
    /// <param name="root">The directory of that filesystem mounted as the root.</param>
    public RootFilesystemNotCapturableException(int pid, string filesystemType, string source, string root)
        : base($"the root filesystem of PID {pid} is a {filesystemType} mount (source {source}, directory {root}), not an overlay " +
               "with an upper layer, so the files the workload created or changed in it cannot be captured and a restore into a fresh " +
               $"container would miss them; to checkpoint without them, set {OptOutField} (Checkpoint spec.skipRootFilesystem, " +
               "cryo checkpoint --skip-rootfs) — a restore then needs a target whose root already holds those files")
    {
        Pid = pid;
        FilesystemType = filesystemType;
        MountSource = source;
        Root = root;
    }

    /// <summary>Host PID of the tree's root.</summary>
    public int Pid { get; }

    /// <summary>The root mount's filesystem type.</summary>
    public string FilesystemType { get; }

    /// <summary>The root mount's source.</summary>
    public string MountSource { get; }

    /// <summary>The directory of the filesystem mounted as the root.</summary>
    public string Root { get; }
}
