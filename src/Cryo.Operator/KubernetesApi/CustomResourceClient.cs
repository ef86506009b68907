using Cryo.Api;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Cryo.Operator.KubernetesApi;

/// <summary>Typed calls on one of Cryo's custom resources (the generated client is untyped for them).</summary>
/// <typeparam name="T">Checkpoint, Restore, CheckpointSchedule or RestoreSet.</typeparam>
/// <typeparam name="TList">Its list type.</typeparam>
public sealed class CustomResourceClient<T, TList>(IKubernetes client, string plural)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The object, or null when it does not exist.</summary>
    public async Task<T?> GetAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<T>(CryoNames.Group, CryoNames.Version, ns, plural, name, cancellationToken);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return null;
        }
    }

    /// <summary>Replaces the status through the status subresource; 409 when <paramref name="obj"/> is stale.</summary>
    public Task<T> ReplaceStatusAsync(T obj, CancellationToken cancellationToken) =>
        client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<T>(
            obj, CryoNames.Group, CryoNames.Version, obj.Metadata.NamespaceProperty, plural, obj.Metadata.Name,
            fieldManager: CryoNames.FieldManager, cancellationToken: cancellationToken);

    /// <summary>Applies a patch to the main resource.</summary>
    public Task<T> PatchAsync(string ns, string name, V1Patch patch, CancellationToken cancellationToken) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync<T>(
            patch, CryoNames.Group, CryoNames.Version, ns, plural, name, fieldManager: CryoNames.FieldManager,
            cancellationToken: cancellationToken);

    /// <summary>The objects of one namespace, read afresh from the API server.</summary>
    public Task<TList> ListAsync(string ns, CancellationToken cancellationToken) =>
        client.CustomObjects.ListNamespacedCustomObjectAsync<TList>(CryoNames.Group, CryoNames.Version, ns, plural, cancellationToken: cancellationToken);

    /// <summary>The objects of one namespace that <paramref name="labelSelector"/> selects, read afresh from the API server.</summary>
    public Task<TList> ListAsync(string ns, string labelSelector, CancellationToken cancellationToken) =>
        client.CustomObjects.ListNamespacedCustomObjectAsync<TList>(CryoNames.Group, CryoNames.Version, ns, plural,
            labelSelector: labelSelector, cancellationToken: cancellationToken);

    /// <summary>Creates <paramref name="obj"/>; 409 when its name is taken.</summary>
    public Task<T> CreateAsync(T obj, CancellationToken cancellationToken) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync<T>(
            obj, CryoNames.Group, CryoNames.Version, obj.Metadata.NamespaceProperty, plural, fieldManager: CryoNames.FieldManager,
            cancellationToken: cancellationToken);

    /// <summary>
    /// Deletes <paramref name="obj"/>, and not another object made under its name since (its UID is a precondition): false
    /// when it is gone or was replaced meanwhile. Its finalizers, if any, run before it goes; its dependents go in the background.
    /// </summary>
    public async Task<bool> DeleteAsync(T obj, CancellationToken cancellationToken)
    {
        try
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, obj.Metadata.NamespaceProperty, plural, obj.Metadata.Name,
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = obj.Metadata.Uid }, PropagationPolicy = "Background" },
                cancellationToken: cancellationToken);
            return true;
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e))
        {
            return false;
        }
    }

    /// <summary>A list or watch request over all namespaces.</summary>
    public Task<HttpOperationResponse<TList>> ListAsync(ListRequest request, CancellationToken cancellationToken) =>
        client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<TList>(
            CryoNames.Group, CryoNames.Version, plural, allowWatchBookmarks: request.Watch ? true : null,
            resourceVersion: request.ResourceVersion, timeoutSeconds: request.TimeoutSeconds, watch: request.Watch,
            cancellationToken: cancellationToken);
}
