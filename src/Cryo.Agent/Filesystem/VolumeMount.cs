namespace Cryo.Agent.Filesystem;

/// <summary>A volume as one container sees it.</summary>
/// <param name="ContainerPath">Its mount point inside the container, e.g. "/data".</param>
/// <param name="HostSource">The directory on the host that is mounted there.</param>
public sealed record VolumeMount(string ContainerPath, string HostSource);
