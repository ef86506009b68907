using Cryo.Api;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Cryo.Operator.KubernetesApi;

/// <summary>The calls the reconcilers make on pods: a missing pod is null, not an exception.</summary>
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

    /// <summary>The pods of <paramref name="ns"/> that <paramref name="labelSelector"/> selects.</summary>
    public async Task<IList<V1Pod>> ListAsync(string ns, string labelSelector, CancellationToken cancellationToken) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken)).Items;

    /// <summary>Creates <paramref name="pod"/>; 409 when its name is taken.</summary>
    public Task<V1Pod> CreateAsync(V1Pod pod, CancellationToken cancellationToken) =>
        client.CoreV1.CreateNamespacedPodAsync(pod, pod.Metadata.NamespaceProperty, fieldManager: CryoNames.FieldManager, cancellationToken: cancellationToken);

    /// <summary>Patches <paramref name="pod"/>'s status subresource; returns the pod as stored, or null when it is gone.</summary>
    public async Task<V1Pod?> PatchStatusAsync(V1Pod pod, V1Patch patch, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.PatchNamespacedPodStatusAsync(patch, pod.Metadata.Name, pod.Metadata.NamespaceProperty,
                fieldManager: CryoNames.FieldManager, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return null;
        }
    }
}
