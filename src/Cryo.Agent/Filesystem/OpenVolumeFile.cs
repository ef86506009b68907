namespace Cryo.Agent.Filesystem;

/// <summary>
/// A regular file the workload held open on a volume at checkpoint time, as recorded in the manifest.
/// CRIU reopens it by path at restore and fails if its size changed; recording it lets the agent say
/// which file differs before CRIU runs.
/// </summary>
/// <param name="ContainerPath">The file's path inside the container, e.g. "/data/app.db".</param>
/// <param name="VolumePath">The mount point of the volume it is on, e.g. "/data".</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Sha256">SHA-256 (lower-case hex) for files up to <see cref="OpenVolumeFiles.HashLimitBytes"/>, else null.</param>
public sealed record OpenVolumeFile(string ContainerPath, string VolumePath, long Size, string? Sha256)
{
    /// <summary>The path below the volume's mount point, e.g. "app.db".</summary>
    public string RelativePath => ContainerPath[VolumePath.TrimEnd('/').Length..].TrimStart('/');
}
