using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>
/// Keeps a number of restored copies of one Checkpoint running, as a ReplicaSet keeps pods: each copy is a Restore
/// the set owns, into a placeholder pod the set built; a copy that fails or ends for good is replaced, and a pool of
/// placeholder pods started in advance makes a scale-up only a restore. Scalable through the scale subresource.
/// </summary>
/// <remarks>Its spec: How many copies of which Checkpoint, in what pods. May change at any time.</remarks>
[KubernetesEntity(Group = CryoNames.Group, ApiVersion = CryoNames.Version, Kind = KindName, PluralName = Plural)]
public sealed class RestoreSet() : CryoResource<RestoreSetSpec, RestoreSetStatus>(KindName)
{
    /// <summary>The kind.</summary>
    public const string KindName = "RestoreSet";

    /// <summary>The plural resource name.</summary>
    public const string Plural = "restoresets";

    /// <summary>
    /// The longest name a RestoreSet may have: its copies are named <c>&lt;set&gt;-&lt;5 characters&gt;</c> and carry
    /// their own and the set's name in label values, which are at most 63 characters.
    /// </summary>
    public const int MaxNameLength = 57;
}
