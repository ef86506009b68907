using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>
/// Moves a running pod's container to another node: checkpoints it (owned Checkpoints), restores it there into a new pod
/// that keeps the original's labels (an owned Restore), and deletes the original once the copy runs. A failure at any step
/// leaves a running copy: the original, or after the final dump a copy restored on the original's node.
/// </summary>
/// <remarks>Its spec: Which pod to move, where, and how. Immutable once created.</remarks>
[KubernetesEntity(Group = CryoNames.Group, ApiVersion = CryoNames.Version, Kind = KindName, PluralName = Plural)]
public sealed class Migration() : CryoResource<MigrationSpec, MigrationStatus>(KindName)
{
    /// <summary>The kind.</summary>
    public const string KindName = "Migration";

    /// <summary>The plural resource name.</summary>
    public const string Plural = "migrations";
}
