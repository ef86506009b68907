namespace Cryo.Agent.Filesystem;

/// <summary>One open file whose copy on the target's volume differs from the checkpoint's record.</summary>
/// <param name="ContainerPath">The file's path inside the container.</param>
/// <param name="Difference">What differs: "missing", "size 10 ≠ 12", "content (SHA-256) differs", "no volume at /data".</param>
public sealed record VolumeMismatch(string ContainerPath, string Difference);
