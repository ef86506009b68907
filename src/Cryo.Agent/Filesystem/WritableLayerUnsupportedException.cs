namespace Cryo.Agent.Filesystem;

/// <summary>
/// The container's root filesystem cannot be captured as a writable layer: it is not an overlay mount, or
/// its upper layer uses overlay features whose content lives elsewhere (metacopy, redirected directories).
/// The caller should fail the checkpoint with this message or let the user opt out of the writable layer.
/// </summary>
public sealed class WritableLayerUnsupportedException : Exception
{
    public WritableLayerUnsupportedException(string message)
        : base(message + " (checkpoint without the writable layer to proceed anyway: files the workload " +
               "created or changed in its root filesystem will then be missing at restore)")
    {
    }
}
