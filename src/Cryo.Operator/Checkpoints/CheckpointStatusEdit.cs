using Cryo.Api;
using Cryo.Operator.KubernetesApi;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// One change to the status of a Checkpoint that another reconciler owns (a pulled copy's node, a superseded flat copy): the
/// owner writes that status too, so a conflicting write is read afresh and the change made again.
/// </summary>
internal static class CheckpointStatusEdit
{
    private const int Attempts = 5;

    /// <summary>
    /// Applies <paramref name="edit"/> to <paramref name="ns"/>/<paramref name="name"/> (if still the object of <paramref name="uid"/>)
    /// and then to as many as <paramref name="parentLinks"/> links up its chain, through each status' parent.
    /// </summary>
    /// <returns>The name of the first link found gone, which ended the walk; null when none was.</returns>
    public static async Task<string?> ApplyUpChainAsync(CryoResources resources, string ns, string name, string? uid, int parentLinks,
        Func<CheckpointStatus, bool> edit, ILogger logger, CancellationToken cancellationToken)
    {
        string? next = name;
        for (var link = 0; link <= parentLinks && next is not null; link++)
        {
            var current = next;
            var status = await ApplyAsync(resources, ns, current, link == 0 ? uid : null, edit, logger, cancellationToken);
            if (status is null)
            {
                return current;
            }
            next = status.Parent;
        }
        return null;
    }

    /// <summary>
    /// Applies <paramref name="edit"/> (true when it changed something) to the status of <paramref name="ns"/>/<paramref name="name"/>,
    /// if that object is still the one of <paramref name="uid"/> (any, when null).
    /// </summary>
    /// <returns>The status as written or found unchanged; null when the Checkpoint is gone or has no status.</returns>
    private static async Task<CheckpointStatus?> ApplyAsync(CryoResources resources, string ns, string name, string? uid, Func<CheckpointStatus, bool> edit,
        ILogger logger, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await resources.Checkpoints.GetAsync(ns, name, cancellationToken);
            if (current?.Status is not { } status || (uid is not null && current.Metadata.Uid != uid))
            {
                return null;
            }
            if (!edit(status))
            {
                return status;
            }
            try
            {
                await resources.Checkpoints.ReplaceStatusAsync(current, cancellationToken);
                return status;
            }
            catch (HttpOperationException e) when (ApiErrors.IsConflict(e) && attempt < Attempts)
            {
                logger.LogDebug("editing the status of {Namespace}/{Name} conflicted (attempt {Attempt}); reading it afresh", ns, name, attempt);
            }
        }
    }
}
