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
/// it ends with the operator or its leadership (<see cref="StopAll"/>: the agent keeps what verified, and the next
/// pull resumes from it) or at <see cref="OperatorOptions.TransferTimeout"/>. A finished pull's outcome waits for a
/// pass to take it; one no pass looked at for <see cref="OperatorOptions.TransferResultKeptFor"/> (its Restore deleted
/// meanwhile) is dropped. Nothing here is the truth: after an operator restart the map is empty, the next restore
/// finds the checkpoint missing again, and a new pull resumes where the old one stopped.
/// </summary>
public sealed class CheckpointPulls(IAgentClient agents, IOptions<OperatorOptions> options, IHostApplicationLifetime lifetime, TimeProvider clock)
{
    private readonly ConcurrentDictionary<PullKey, RunningPull> running = new();
    private readonly OperatorOptions settings = options.Value;

    /// <summary>How many pulls are held, running or finished and not yet taken.</summary>
    public int Count => running.Count;

    /// <summary>The pull of <paramref name="key"/> in flight or finished and not yet forgotten; null when there is none.</summary>
    public RunningPull? Find(PullKey key)
    {
        DropUnread();
        var pull = running.GetValueOrDefault(key);
        pull?.Seen(clock.GetUtcNow());
        return pull;
    }

    /// <summary>Starts pulling <paramref name="key"/>'s Checkpoint from <paramref name="source"/> into <paramref name="target"/>, unless a pull of it runs already.</summary>
    public RunningPull Start(PullKey key, AgentEndpoint target, AgentEndpoint source)
    {
        DropUnread();
#pragma warning disable CA2000 // Held in the map; disposed when it is dropped or stopped.
        var pull = new RunningPull(key, source.NodeName, clock.GetUtcNow(), lifetime.ApplicationStopping);
#pragma warning restore CA2000
        if (!running.TryAdd(key, pull))
        {
            pull.Dispose();
            return running[key];
        }

        var request = new PullCheckpointRequest
        {
            Checkpoint = new CheckpointRef { Namespace = key.Namespace, Name = key.Name },
            SourceAddress = source.Address.GetLeftPart(UriPartial.Authority),
            SourceNode = source.NodeName,
            OperationId = key.OperationId,
        };
        var stopping = pull.Stopping;
        pull.Completion = Task.Run(async () =>
        {
            try
            {
                return await agents.PullCheckpointAsync(target, request, pull, settings.TransferTimeout, stopping);
            }
            finally
            {
                // Unread from its end on, not from its start.
                pull.Seen(clock.GetUtcNow());
            }
        }, CancellationToken.None);
        return pull;
    }

    /// <summary>Drops <paramref name="pull"/> once its outcome was taken; a later miss starts a new one.</summary>
    public void Forget(RunningPull pull)
    {
        ArgumentNullException.ThrowIfNull(pull);
        if (running.TryRemove(new KeyValuePair<PullKey, RunningPull>(pull.Key, pull)))
        {
            pull.Dispose();
        }
    }

    /// <summary>
    /// Ends every pull's call and forgets them all: this replica no longer leads, and the one that does will find the
    /// checkpoints missing and pull them itself (the agents resume from what verified).
    /// </summary>
    public void StopAll()
    {
        foreach (var pull in running.Values)
        {
            if (running.TryRemove(new KeyValuePair<PullKey, RunningPull>(pull.Key, pull)))
            {
                pull.Stop();
                pull.Dispose();
            }
        }
    }

    // Finished pulls no pass looked at for a while: their Restores went, or chose another node.
    private void DropUnread()
    {
        var now = clock.GetUtcNow();
        foreach (var pull in running.Values)
        {
            if (pull.Completion.IsCompleted && now - pull.LastSeen >= settings.TransferResultKeptFor)
            {
                Forget(pull);
            }
        }
    }
}
