namespace Cryo.Operator.Tests.Reconciling;

/// <summary>
/// Cryo's custom resources created and read as a user's kubectl would, one call whatever the kind: the harnesses'
/// typed helpers name the kind, this spells the call once (the generated client is untyped for custom resources).
/// </summary>
public static class CryoObjects
{
    /// <summary>Creates <paramref name="resource"/> as <paramref name="ns"/>/<paramref name="name"/>; whatever metadata it had is replaced.</summary>
    public static Task<T> CreateCryoObjectAsync<T>(this IKubernetes client, string ns, string name, T resource, string plural)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        resource.Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns };
        return client.CustomObjects.CreateNamespacedCustomObjectAsync<T>(resource, CryoNames.Group, CryoNames.Version, ns, plural);
    }

    public static Task<T> GetCryoObjectAsync<T>(this IKubernetes client, string ns, string name, string plural) =>
        client.CustomObjects.GetNamespacedCustomObjectAsync<T>(CryoNames.Group, CryoNames.Version, ns, plural, name);
}
