using Cryo.Api;
using Cryo.Operator.Agents;
using Cryo.Operator.Reconciling;
using k8s;
using k8s.Models;

namespace Cryo.Operator.Migrations;

/// <summary>
/// Where a Migration moves its pod: <c>spec.nodeName</c> as given, or else a node chosen among the Ready ones other
/// than the pod's that carry every label of <c>spec.nodeSelector</c> (any, without one) and run an agent that answers,
/// the first by name so that a pass run twice chooses the same. The choice is made once, before anything is stopped,
/// and kept in <c>status.targetNode</c>.
/// </summary>
public sealed class MigrationTarget(IKubernetes client, IAgentLocator locator)
{
    /// <summary>The target node for moving a pod off <paramref name="sourceNode"/>, or why there is none (terminal).</summary>
    public async Task<Found<string>> ChooseAsync(Migration migration, string sourceNode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        if (migration.Spec.NodeName is { Length: > 0 } named)
        {
            return named;
        }

        var selector = migration.Spec.NodeSelector is { Count: > 0 } labels
            ? string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))
            : null;
        var nodes = await client.CoreV1.ListNodeAsync(labelSelector: selector, cancellationToken: cancellationToken);
        var candidates = nodes.Items
            .Where(node => node.Metadata.Name != sourceNode && IsReady(node) && node.Spec?.Unschedulable != true)
            .Select(node => node.Metadata.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var candidate in candidates)
        {
            try
            {
                await locator.LocateAsync(candidate, cancellationToken);
                return candidate;
            }
            catch (AgentNotFoundException)
            {
                // A node without a ready agent cannot restore: the next one may.
            }
        }

        var which = selector is null ? "no node" : $"no node with the labels {selector}";
        var seen = candidates.Count == 0 ? "" : $" ({string.Join(", ", candidates)} run no ready Cryo agent)";
        return new Failure(ConditionReasons.NoTargetNode,
            $"{which} is Ready, schedulable, other than the pod's node {sourceNode} and runs a Cryo agent{seen}; nothing was stopped");
    }

    private static bool IsReady(V1Node node) =>
        node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
}
