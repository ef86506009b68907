using Cryo.Agent.Operations;

namespace Cryo.Agent.Containers;

/// <summary>Resolves the process tree a request names, as both engines need it.</summary>
public static class TreeResolution
{
    /// <summary>Resolves by container ID or host PID; a tree that does not exist becomes <see cref="ProcessTreeNotFoundException"/>.</summary>
    public static async Task<ResolvedContainer> ResolveAsync(this ContainerResolver resolver, ProcessTreeRef tree, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(tree);
        try
        {
            return tree.ContainerId is { } id
                ? await resolver.ResolveByContainerIdAsync(id, cancellationToken).ConfigureAwait(false)
                : await resolver.ResolveByPidAsync(tree.Pid ?? 0, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerNotFoundException e)
        {
            throw new ProcessTreeNotFoundException(tree, e.Message);
        }
        catch (ProcessGoneException e)
        {
            throw new ProcessTreeNotFoundException(tree, e.Message);
        }
    }
}
