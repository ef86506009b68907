using Cryo.Agent.Grpc;
using Cryo.Agent.Metrics;
using Cryo.Agent.Store;
using Grpc.Core;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Runs the pulls this agent is asked for (<c>AgentService.PullCheckpoint</c>): connections to the source
/// agent (<see cref="PeerConnections"/>), the <see cref="CheckpointPuller"/> over them, the metrics. Calls for a
/// checkpoint already being pulled join that pull (<see cref="SharedPull"/>) and end with its result, rather than
/// being refused while it runs; the pull stops when every call for it has ended, or when the agent stops, so that
/// a restarted agent finds it suspended and resumes it.
/// </summary>
public sealed class CheckpointPulls(ImageStore store, PeerConnections peers, AgentMetrics metrics, TimeProvider time, IHostApplicationLifetime lifetime)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Namespace, string Name), SharedPull> running = [];

    /// <summary>Pulls <paramref name="namespace"/>/<paramref name="name"/> from the agent at <paramref name="sourceAddress"/>, or waits on the pull of it that runs.</summary>
    /// <param name="namespace">The checkpoint's namespace.</param>
    /// <param name="name">The checkpoint's name.</param>
    /// <param name="sourceAddress">The source agent's mutual-TLS listener, <c>https://HOST:PORT</c> (the first caller's counts).</param>
    /// <param name="sourceNode">The source's node, for messages.</param>
    /// <param name="progress">Told the bytes verified as ranges verify.</param>
    /// <param name="cancellationToken">Ends this caller's wait; the last one's stops the pull, and what verified is kept for the next call.</param>
    public async Task<PullResult> PullAsync(string @namespace, string name, string sourceAddress, string sourceNode, IProgress<PullProgress> progress,
        CancellationToken cancellationToken)
    {
        SharedPull shared;
        lock (gate)
        {
            if (!running.TryGetValue((@namespace, name), out shared!) || shared.IsStopped)
            {
                // A pull its callers all left may still be letting go of its pending entry: the new one waits for that.
                var stopping = shared?.Task ?? Task.FromResult<PullResult>(null!);
                var fresh = new SharedPull();
                fresh.Start(async stop =>
                {
                    await ((Task)stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    try
                    {
                        return await RunAsync(@namespace, name, sourceAddress, sourceNode, fresh, stop);
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

    private static long Received(PullResult result) => result.BytesReceived + result.Parents.Sum(Received);
}
