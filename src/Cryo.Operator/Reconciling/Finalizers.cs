using System.Text.Json;
using Cryo.Operator.KubernetesApi;
using k8s;
using k8s.Models;

namespace Cryo.Operator.Reconciling;

/// <summary>
/// Adds and removes a finalizer with a merge patch that carries the resourceVersion read, so a concurrent
/// change of the list is a 409 rather than a lost update.
/// </summary>
public static class Finalizers
{
    /// <summary>Adds <paramref name="finalizer"/> unless present; returns the object as stored.</summary>
    public static async Task<T> EnsureAsync<T, TList>(CustomResourceClient<T, TList> client, T obj, string finalizer, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var current = obj.Metadata.Finalizers ?? [];
        if (current.Contains(finalizer))
        {
            return obj;
        }

        return await client.PatchAsync(obj.Metadata.NamespaceProperty, obj.Metadata.Name, Patch(obj, [.. current, finalizer]), cancellationToken);
    }

    /// <summary>
    /// Removes <paramref name="finalizer"/>. A commit step: it takes no caller token, so a shutdown cannot
    /// leave it half done (it has its own short timeout).
    /// </summary>
    public static async Task RemoveAsync<T, TList>(CustomResourceClient<T, TList> client, T obj, string finalizer)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var current = obj.Metadata.Finalizers ?? [];
        if (!current.Contains(finalizer))
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.PatchAsync(obj.Metadata.NamespaceProperty, obj.Metadata.Name,
            Patch(obj, current.Where(f => f != finalizer).ToList()), timeout.Token);
    }

    private static V1Patch Patch(IKubernetesObject<V1ObjectMeta> obj, IList<string> finalizers) =>
        new(JsonSerializer.Serialize(new
        {
            metadata = new { resourceVersion = obj.Metadata.ResourceVersion, finalizers },
        }), V1Patch.PatchType.MergePatch);
}
