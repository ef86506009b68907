using Cryo.Agent.Operations;

namespace Cryo.Agent.Filesystem;

/// <summary>
/// The container's root filesystem cannot be captured as a writable layer: it is not an overlay mount, or
/// its upper layer uses overlay features whose content lives elsewhere (metacopy, redirected directories).
/// The checkpoint fails with this message; the caller's opt-out (<c>skip_root_filesystem</c>) avoids the capture.
/// </summary>
public sealed class WritableLayerUnsupportedException : AgentException
{
    /// <summary>Creates the exception; the message gains the opt-out and what it costs.</summary>
    public WritableLayerUnsupportedException(string message)
        : base(message + " (set options.skip_root_filesystem — Checkpoint spec.skipRootFilesystem, cryo checkpoint --skip-rootfs — " +
               "to checkpoint without the writable layer: files the workload created or changed in its root filesystem will then be missing at restore)")
    {
    }
}
