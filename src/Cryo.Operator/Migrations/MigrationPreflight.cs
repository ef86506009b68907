using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Configuration;
using Cryo.Operator.Reconciling;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Cryo.Operator.Migrations;

/// <summary>
/// Asks the target node's agent, before anything is stopped, whether it can restore what the source node's agent will
/// checkpoint: the source's CRIU, kernel and CPU (its GetNodeInfo) and the container's image are the requirements, the
/// target's Preflight the verdict (an image missing there is a gap only when its pull policy is Never).
/// </summary>
public sealed class MigrationPreflight(IAgentLocator locator, IAgentClient agents, IOptions<OperatorOptions> options)
{
    private readonly OperatorOptions settings = options.Value;

    /// <summary>Null when the target can restore it; else the gaps, named, as a terminal failure.</summary>
    /// <exception cref="AgentNotFoundException">No agent runs on one of the nodes.</exception>
    /// <exception cref="AgentUnavailableException">One of the agents could not be reached (retry).</exception>
    public async Task<Failure?> CheckAsync(string sourceNode, string targetNode, V1Container container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        var source = await agents.GetNodeInfoAsync(await locator.LocateAsync(sourceNode, cancellationToken), settings.ShortCallTimeout, cancellationToken);
        var requirements = new RestoreRequirements
        {
            CriuVersion = source.CriuVersion,
            KernelRelease = source.KernelRelease,
            Cpuinfo = source.Cpuinfo,
            SourceNode = sourceNode,
            Image = container.Image ?? string.Empty,
        };
        var answer = await agents.PreflightAsync(await locator.LocateAsync(targetNode, cancellationToken),
            new PreflightRequest { Requirements = requirements, SourceNode = sourceNode, ImagePullPolicy = container.ImagePullPolicy ?? string.Empty }, settings.ShortCallTimeout, cancellationToken);
        return answer.CanRestore
            ? null
            : new Failure(ConditionReasons.PreflightFailed,
                $"node {targetNode} cannot restore what node {sourceNode} checkpoints; nothing was stopped: {string.Join("; ", answer.Gaps.Select(g => g.Message))}");
    }
}
