using Cryo.Agent.Grpc;
using Cryo.Agent.Hosting;
using Cryo.Agent.Metrics;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Runs the pulls this agent is asked for (<c>AgentService.PullCheckpoint</c>): connections to the source
/// agent (<see cref="PeerConnections"/>), the <see cref="CheckpointPuller"/> over them, the metrics. Calls for a
/// checkpoint already being pulled join that pull (<see cref="SharedPull"/>) and end with its result, rather than
/// being refused while it runs; the pull stops when every call for it has ended, or when the agent stops, so that
/// a restarted agent finds it suspended and resumes it. A call that names an operation ID is idempotent by it, as
/// checkpoints and restores are: while its pull runs a repeated call joins it, and once it succeeded a repeated call
/// gets its result (kept <see cref="AgentOptions.ResultRetentionMinutes"/>) without a second pull, even with the
/// source gone meanwhile, as long as the store still holds the checkpoint; a failed or stopped one is forgotten, so a
/// retry pulls again (resuming what verified).
/// </summary>
public sealed class CheckpointPulls(ImageStore store, PeerConnections peers, AgentMetrics metrics, TimeProvider time, IHostApplicationLifetime lifetime,
    IOptions<AgentOptions> options)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Namespace, string Name), SharedPull> running = [];
    private readonly Dictionary<string, PullOperation> operations = new(StringComparer.Ordinal);

    /// <summary>Pulls <paramref name="namespace"/>/<paramref name="name"/> from the agent at <paramref name="sourceAddress"/>, or waits on the pull of it that runs.</summary>
    /// <param name="operationId">The caller's operation ID; empty when the call is not to be repeated by it.</param>
    /// <param name="namespace">The checkpoint's namespace.</param>
    /// <param name="name">The checkpoint's name.</param>
    /// <param name="sourceAddress">The source agent's mutual-TLS listener, <c>https://HOST:PORT</c> (the first caller's counts).</param>
    /// <param name="sourceNode">The source's node, for messages.</param>
    /// <param name="progress">Told the bytes verified as ranges verify.</param>
    /// <param name="cancellationToken">Ends this caller's wait; the last one's stops the pull, and what verified is kept for the next call.</param>
    /// <exception cref="OperationIdReusedException">The operation ID is known for another checkpoint.</exception>
    public async Task<PullResult> PullAsync(string operationId, string @namespace, string name, string sourceAddress, string sourceNode, IProgress<PullProgress> progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        SharedPull? shared = null;
        lock (gate)
        {
            ForgetExpiredOperations();
            if (operationId.Length > 0 && operations.TryGetValue(operationId, out var known))
            {
                if (known.Namespace != @namespace || known.Name != name)
                {
                    throw new OperationIdReusedException(operationId, $"pull of checkpoint {known.Namespace}/{known.Name}");
                }

                // Answered, not redone (joining a finished pull hands over its result): the source need not be reachable now.
                // Unless the copy is gone from the store since (deleted, or the store emptied): the operator asks one ID
                // for every pull of a checkpoint to this node, and the caller wants the checkpoint here, not the old answer.
                shared = known.Pull.Task.IsCompletedSuccessfully && store.FindByName(@namespace, name).Count > 0 ? known.Pull : null;
            }

            if (shared is null && (!running.TryGetValue((@namespace, name), out shared) || shared.IsStopped))
            {
                // A pull its callers all left may still be letting go of its pending entry: the new one waits for that.
                var stopping = shared?.Task ?? Task.FromResult<PullResult>(null!);
                var fresh = new SharedPull();
                fresh.Start(async stop =>
                {
                    await ((Task)stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    try
                    {
                        var result = await RunAsync(@namespace, name, sourceAddress, sourceNode, fresh, stop);
                        lock (gate)
                        {
                            fresh.SucceededAt = time.GetUtcNow();
                        }

                        return result;
                    }
                    finally
                    {
                        Forget(@namespace, name, fresh);
                        fresh.Dispose();
                    }
                });
                running[(@namespace, name)] = shared = fresh;
            }

            shared.Join(progress);
            if (operationId.Length > 0)
            {
                operations[operationId] = new PullOperation(@namespace, name, shared);
            }
        }

        try
        {
            return await shared.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            shared.Leave(progress);
        }
    }

    private async Task<PullResult> RunAsync(string @namespace, string name, string sourceAddress, string sourceNode, IProgress<PullProgress> progress,
        CancellationToken cancellationToken)
    {
        var puller = new CheckpointPuller(store, time);
        using var channels = peers.Open(sourceAddress, puller.Streams);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            var result = await puller.PullAsync(channels.Connections, string.IsNullOrEmpty(sourceNode) ? sourceAddress : sourceNode, @namespace, name, progress, stopping.Token);
            metrics.PullFinished(StatusCode.OK, Received(result));
            return result;
        }
        catch (Exception e)
        {
            metrics.PullFinished(e is RpcException rpc ? rpc.StatusCode : StatusMapper.Classify(e), 0);
            throw;
        }
    }

    private void Forget(string @namespace, string name, SharedPull pull)
    {
        lock (gate)
        {
            if (running.TryGetValue((@namespace, name), out var current) && current == pull)
            {
                running.Remove((@namespace, name));
            }
        }
    }

    // Under the gate. Failed and stopped pulls go at once (a retry pulls again); succeeded ones after the retention.
    private void ForgetExpiredOperations()
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromMinutes(options.Value.ResultRetentionMinutes);
        foreach (var (id, operation) in operations.ToList())
        {
            var pull = operation.Pull;
            if ((pull.Task.IsCompleted && !pull.Task.IsCompletedSuccessfully) || pull.SucceededAt < cutoff)
            {
                operations.Remove(id);
            }
        }
    }

    private static long Received(PullResult result) => result.BytesReceived + result.Parents.Sum(Received);
}
