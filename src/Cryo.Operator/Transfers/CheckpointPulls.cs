using System.Collections.Concurrent;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;
using Cryo.Operator.Configuration;
using Microsoft.Extensions.Options;

namespace Cryo.Operator.Transfers;

/// <summary>
/// The pulls the operator asked agents for (<c>AgentService.PullCheckpoint</c>), held beyond the reconcile pass that
/// started them: a pull of gigabytes outlasts any pass, and each later pass of a Restore waiting for it reads its
/// progress here. The agent pulls only while the call is open, so the call belongs to the operator, not to a pass:
/// it ends with the operator (the agent keeps what verified, and the next pull resumes from it) or at
/// <see cref="OperatorOptions.TransferTimeout"/>. Nothing here is the truth: after an operator restart the map is
/// empty, the next restore finds the checkpoint missing again, and a new pull resumes where the old one stopped.
/// </summary>
public sealed class CheckpointPulls(IAgentClient agents, IOptions<OperatorOptions> options, IHostApplicationLifetime lifetime)
{
    private readonly ConcurrentDictionary<PullKey, RunningPull> running = new();
    private readonly OperatorOptions settings = options.Value;

    /// <summary>The pull of <paramref name="key"/> in flight or finished and not yet forgotten; null when there is none.</summary>
    public RunningPull? Find(PullKey key) => running.GetValueOrDefault(key);

    /// <summary>Starts pulling <paramref name="key"/>'s Checkpoint from <paramref name="source"/> into <paramref name="target"/>, unless a pull of it runs already.</summary>
    public RunningPull Start(PullKey key, AgentEndpoint target, AgentEndpoint source)
    {
        var pull = new RunningPull(key, source.NodeName);
        if (!running.TryAdd(key, pull))
        {
            return running[key];
        }

        var request = new PullCheckpointRequest
        {
            Checkpoint = new CheckpointRef { Namespace = key.Namespace, Name = key.Name },
            SourceAddress = source.Address.GetLeftPart(UriPartial.Authority),
            SourceNode = source.NodeName,
        };
        pull.Completion = Task.Run(() => agents.PullCheckpointAsync(target, request, pull, settings.TransferTimeout, lifetime.ApplicationStopping));
        return pull;
    }

    /// <summary>Drops <paramref name="pull"/> once its outcome was taken; a later miss starts a new one.</summary>
    public void Forget(RunningPull pull) => running.TryRemove(new KeyValuePair<PullKey, RunningPull>(pull.Key, pull));
}
