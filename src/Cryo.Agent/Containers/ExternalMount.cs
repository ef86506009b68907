namespace Cryo.Agent.Containers;

/// <summary>A mount inside the container whose contents come from outside it (CRIU: <c>--external mnt[PATH]:KEY</c>).</summary>
/// <param name="Mount">The mount as the container's mountinfo shows it.</param>
/// <param name="Kind">Why it is external.</param>
/// <param name="HostPath">
/// Where the mounted directory or file is in the agent's mount namespace, or <see langword="null"/> when no
/// mount there shows the same filesystem.
/// </param>
public sealed record ExternalMount(MountInfo Mount, ExternalMountKind Kind, string? HostPath)
{
    /// <summary>The mount point inside the container, e.g. <c>/data</c>.</summary>
    public string MountPoint => Mount.MountPoint;
}
