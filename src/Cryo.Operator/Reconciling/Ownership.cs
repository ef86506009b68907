using k8s;
using k8s.Models;

namespace Cryo.Operator.Reconciling;

/// <summary>Owner references the way the garbage collector and controllers read them: at most one controller per object.</summary>
public static class Ownership
{
    /// <summary>The owner reference marked <c>controller: true</c>, or null.</summary>
    public static V1OwnerReference? ControllerOf(V1ObjectMeta metadata) => metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);

    /// <summary>Whether <paramref name="owner"/> is the controller of <paramref name="metadata"/>'s object (by UID).</summary>
    public static bool IsControlledBy(V1ObjectMeta metadata, IKubernetesObject<V1ObjectMeta> owner) =>
        ControllerOf(metadata)?.Uid is { } uid && uid == owner.Metadata.Uid;

    /// <summary>
    /// A controller reference to <paramref name="owner"/>, blocking its foreground deletion until the dependent is gone
    /// (which the OwnerReferencesPermissionEnforcement admission plugin allows only with update on the owner's finalizers).
    /// </summary>
    public static V1OwnerReference ControllerReference(IKubernetesObject<V1ObjectMeta> owner) => new()
    {
        ApiVersion = owner.ApiVersion,
        Kind = owner.Kind,
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };
}
