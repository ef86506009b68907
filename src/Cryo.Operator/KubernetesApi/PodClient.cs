using Cryo.Api;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Cryo.Operator.KubernetesApi;

/// <summary>The calls the reconcilers make on pods: a missing pod is null (or false), not an exception.</summary>
public sealed class PodClient(IKubernetes client)
{
    /// <summary>The pod, or null when it does not exist.</summary>
    public async Task<V1Pod?> GetAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return null;
        }
    }

    /// <summary>The pods of one namespace that <paramref name="labelSelector"/> selects, read afresh from the API server.</summary>
    public async Task<IList<V1Pod>> ListAsync(string ns, string labelSelector, CancellationToken cancellationToken) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken)).Items;

    /// <summary>
    /// Deletes <paramref name="pod"/>, and not another pod made under its name since (its UID is a precondition). False
    /// when it was gone already.
    /// </summary>
    public async Task<bool> DeleteAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty,
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken: cancellationToken);
            return true;
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e))
        {
            return false;
        }
    }

    /// <summary>Patches <paramref name="pod"/>; returns the pod as stored, or null when it is gone.</summary>
    public Task<V1Pod?> PatchAsync(V1Pod pod, V1Patch patch, CancellationToken cancellationToken) =>
        NullWhenGoneAsync(client.CoreV1.PatchNamespacedPodAsync(patch, pod.Metadata.Name, pod.Metadata.NamespaceProperty,
            fieldManager: CryoNames.FieldManager, cancellationToken: cancellationToken));

    /// <summary>Creates <paramref name="pod"/>; 409 when its name is taken.</summary>
    public Task<V1Pod> CreateAsync(V1Pod pod, CancellationToken cancellationToken) =>
        client.CoreV1.CreateNamespacedPodAsync(pod, pod.Metadata.NamespaceProperty, fieldManager: CryoNames.FieldManager, cancellationToken: cancellationToken);

    /// <summary>Patches <paramref name="pod"/>'s status subresource; returns the pod as stored, or null when it is gone.</summary>
    public Task<V1Pod?> PatchStatusAsync(V1Pod pod, V1Patch patch, CancellationToken cancellationToken) =>
        NullWhenGoneAsync(client.CoreV1.PatchNamespacedPodStatusAsync(patch, pod.Metadata.Name, pod.Metadata.NamespaceProperty,
            fieldManager: CryoNames.FieldManager, cancellationToken: cancellationToken));

    // A write to a pod deleted meanwhile: nothing left to write to, which is not a failure.
    private static async Task<V1Pod?> NullWhenGoneAsync(Task<V1Pod> write)
    {
        try
        {
            return await write;
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return null;
        }
    }
}
