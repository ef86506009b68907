using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>Reanimates a Succeeded Checkpoint of the same namespace in a new or an existing pod.</summary>
/// <remarks>Its spec: What to restore and where. Immutable once created.</remarks>
[KubernetesEntity(Group = CryoNames.Group, ApiVersion = CryoNames.Version, Kind = KindName, PluralName = Plural)]
public sealed class Restore() : CryoResource<RestoreSpec, RestoreStatus>(KindName)
{
    /// <summary>The kind.</summary>
    public const string KindName = "Restore";

    /// <summary>The plural resource name.</summary>
    public const string Plural = "restores";
}
