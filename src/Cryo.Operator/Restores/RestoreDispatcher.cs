using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Reconciling;
using Microsoft.Extensions.Options;
using ApiRestore = Cryo.Api.Restore;

namespace Cryo.Operator.Restores;

/// <summary>
/// Sends a restore to the agent of the target's node, into the running placeholder container, and says what came of
/// it. The operation ID names the container's run (<see cref="RestoreOperationId"/>): repeated passes for one run join
/// one agent operation, and each new run gets its own.
/// </summary>
public sealed class RestoreDispatcher(
    CryoResources resources,
    IAgentLocator locator,
    IAgentClient agents,
    EventRecorder events,
    IOptions<OperatorOptions> options)
{
    private readonly OperatorOptions settings = options.Value;

    /// <summary>Restores <paramref name="restore"/>'s Checkpoint into <paramref name="target"/>; <paramref name="again"/> after a restart.</summary>
    public async Task<RestoreAnswer> RestoreAsync(ApiRestore restore, RunningContainer target, bool again, CancellationToken cancellationToken)
    {
        var restartCount = target.RestartCount;
        var request = new RestoreRequest
        {
            OperationId = RestoreOperationId.For(restore, restartCount),
            Checkpoint = new CheckpointRef { Namespace = restore.Metadata.NamespaceProperty, Name = restore.Spec.CheckpointName },
            Container = new ContainerTarget { ContainerId = target.RuntimeId },
            TimeoutSeconds = (uint)settings.RestoreTimeout.TotalSeconds,
            Lazy = restore.Spec.Lazy == true,
        };
        try
        {
            var agent = await locator.LocateAsync(target.NodeName, cancellationToken);
            await events.NormalAsync(restore, ConditionReasons.RestoreStarted,
                $"restoring Checkpoint {restore.Spec.CheckpointName}{(again ? " again" : "")} into container {target.ContainerName} of pod {target.Pod.Metadata.Name} on node {target.NodeName}" +
                (restartCount > 0 ? $" (restart {restartCount})" : ""), cancellationToken);
            return new RestoreAnswer.Restored(await agents.RestoreAsync(agent, request, settings.RestoreTimeout + settings.AgentDeadlineMargin, cancellationToken));
        }
        catch (AgentNotFoundException e)
        {
            return new RestoreAnswer.Unreachable(ConditionReasons.AgentNotFound, e.Message);
        }
        catch (AgentUnavailableException e)
        {
            return new RestoreAnswer.Unreachable(ConditionReasons.AgentUnavailable, e.Message);
        }
        catch (AgentOperationFailedException e)
        {
            return await RunIsOverAsync(target, cancellationToken)
                ? new RestoreAnswer.RunOver(new Failure(ConditionReasons.ContainerRestarted,
                    $"container {target.ContainerName} of pod {target.Pod.Metadata.Name} ended or restarted while it was being restored ({e.Message}); restoring into its next run",
                    Terminal: false))
                : new RestoreAnswer.Refused(e);
        }
    }

    /// <summary>
    /// Whether the run of the target container a restore was sent into is over: it stopped running, or the
    /// kubelet already replaced it. (The kubelet may report the end before the restart, or only the restart.)
    /// </summary>
    private async Task<bool> RunIsOverAsync(RunningContainer target, CancellationToken cancellationToken)
    {
        var pod = await resources.Pods.GetAsync(target.Pod.Metadata.NamespaceProperty, target.Pod.Metadata.Name, cancellationToken);
        var now = pod?.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == target.ContainerName);
        return pod?.Metadata.Uid == target.Pod.Metadata.Uid && now is not null &&
               (now.RestartCount > target.RestartCount || now.ContainerID != target.ContainerId || now.State?.Running is null);
    }
}
