using Cryo.Agent.Operations;

namespace Cryo.Agent.Store.Manifest;

/// <summary>
/// Keys of <c>CheckpointManifest.Extra</c> under which the checkpoint engine records what the manifest's
/// schema has no field for; the catalog reads them back for InspectCheckpoint and ListCheckpoints.
/// </summary>
public static class ManifestExtraKeys
{
    /// <summary><see cref="WorkloadMetadata.PodName"/>.</summary>
    public const string PodName = "pod.name";

    /// <summary><see cref="WorkloadMetadata.PodUid"/>.</summary>
    public const string PodUid = "pod.uid";

    /// <summary><see cref="WorkloadMetadata.ContainerName"/>.</summary>
    public const string ContainerName = "container.name";

    /// <summary><see cref="WorkloadMetadata.Image"/>.</summary>
    public const string Image = "image";

    /// <summary>The node the checkpoint was taken on.</summary>
    public const string NodeName = "node";

    /// <summary>
    /// The store owner (<see cref="ImageStore.Owner"/>, the node name) of the agent that pulled this copy of the checkpoint
    /// from another; absent from a checkpoint dumped or imported where it is. A store every node's agent mounts holds the
    /// one checkpoint its node committed, which another agent finds there but must not call a copy of its own: deleting
    /// that "copy" would delete the original.
    /// </summary>
    public const string PulledBy = "pulled.by";

    /// <summary>The parent checkpoint's name, for an incremental checkpoint.</summary>
    public const string ParentCheckpoint = "parent";

    /// <summary>
    /// The CPU of the node the checkpoint was taken on, as CRIU describes it: base64 of <c>criu cpuinfo dump</c>'s image.
    /// A preflight on another node checks its own CPU against it (<c>criu cpuinfo check</c>).
    /// </summary>
    public const string CriuCpuinfo = "criu.cpuinfo";

    /// <summary>The workload's pod metadata as <see cref="Record"/> wrote it; empty strings for what it did not.</summary>
    public static WorkloadMetadata WorkloadOf(IReadOnlyDictionary<string, string> extra) =>
        new(Read(extra, PodName), Read(extra, PodUid), Read(extra, ContainerName), Read(extra, Image));

    /// <summary>The value under <paramref name="key"/>, or an empty string.</summary>
    public static string Read(IReadOnlyDictionary<string, string> extra, string key)
    {
        ArgumentNullException.ThrowIfNull(extra);
        return extra.TryGetValue(key, out var value) ? value : string.Empty;
    }

    /// <summary>Writes <paramref name="workload"/> into a manifest's extra dictionary.</summary>
    public static void Record(IDictionary<string, string> extra, WorkloadMetadata workload, string nodeName, string? parentCheckpoint)
    {
        ArgumentNullException.ThrowIfNull(extra);
        ArgumentNullException.ThrowIfNull(workload);
        extra[PodName] = workload.PodName;
        extra[PodUid] = workload.PodUid;
        extra[ContainerName] = workload.ContainerName;
        extra[Image] = workload.Image;
        extra[NodeName] = nodeName;
        if (parentCheckpoint is not null)
        {
            extra[ParentCheckpoint] = parentCheckpoint;
        }
    }
}
