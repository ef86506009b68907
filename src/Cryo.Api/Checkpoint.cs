using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>A CRIU snapshot of the whole process tree of one container of a pod in the same namespace.</summary>
/// <remarks>Its spec: What to checkpoint and how. Immutable once created.</remarks>
[KubernetesEntity(Group = CryoNames.Group, ApiVersion = CryoNames.Version, Kind = KindName, PluralName = Plural)]
public sealed class Checkpoint() : CryoResource<CheckpointSpec, CheckpointStatus>(KindName)
{
    /// <summary>The kind.</summary>
    public const string KindName = "Checkpoint";

    /// <summary>The plural resource name.</summary>
    public const string Plural = "checkpoints";
}
