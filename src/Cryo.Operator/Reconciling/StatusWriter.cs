using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Reconciling;

/// <summary>
/// Writes a pass's status through the status subresource with the resourceVersion the pass read, so a
/// concurrent change is noticed (409). On a conflict it reads the object afresh and writes the same
/// status onto it: the operator is the only writer of status and the spec is immutable, so what the pass
/// concluded still holds; an object that is gone or was replaced (other UID) is left alone. A pass builds its
/// status on a <see cref="Draft{TStatus}"/>, so a pass that concludes what the last one did writes nothing.
/// </summary>
public static class StatusWriter
{
    private const int Attempts = 5;

    /// <summary>
    /// The status a pass builds: a copy of <paramref name="current"/>, the status <paramref name="obj"/> shows (so that
    /// <see cref="WriteAsync"/> can tell whether the pass changed anything), describing <paramref name="obj"/>'s generation.
    /// </summary>
    public static TStatus Draft<TStatus>(IKubernetesObject<V1ObjectMeta> obj, TStatus? current)
        where TStatus : class, IConditionedStatus, new()
    {
        var status = current is null ? new TStatus() : KubernetesJson.Deserialize<TStatus>(KubernetesJson.Serialize(current));
        status.ObservedGeneration = obj.Metadata.Generation;
        return status;
    }

    /// <summary>
    /// Writes <paramref name="status"/>; returns the stored object, or null when nothing was written: the object is
    /// gone, or it shows this status already (an earlier pass wrote it, and said so in its Events).
    /// </summary>
    public static async Task<T?> WriteAsync<T, TList, TStatus>(
        CustomResourceClient<T, TList> client, T obj, TStatus status, ILogger logger, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>, IStatus<TStatus?>
        where TStatus : class
    {
        if (obj.Status is { } shown && KubernetesJson.Serialize(shown) == KubernetesJson.Serialize(status))
        {
            return null;
        }

        var current = obj;
        for (var attempt = 1; ; attempt++)
        {
            current.Status = status;
            try
            {
                return await client.ReplaceStatusAsync(current, cancellationToken);
            }
            catch (HttpOperationException e) when ((ApiErrors.IsConflict(e) && attempt < Attempts) || ApiErrors.IsNotFound(e))
            {
                if (ApiErrors.IsNotFound(e))
                {
                    return null;
                }

                logger.LogDebug("status write of {Namespace}/{Name} conflicted (attempt {Attempt}); reading it afresh",
                    obj.Metadata.NamespaceProperty, obj.Metadata.Name, attempt);
                var fresh = await client.GetAsync(obj.Metadata.NamespaceProperty, obj.Metadata.Name, cancellationToken);
                if (fresh is null || fresh.Metadata.Uid != obj.Metadata.Uid)
                {
                    return null;
                }

                current = fresh;
            }
        }
    }
}
