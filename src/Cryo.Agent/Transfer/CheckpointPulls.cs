using Cryo.Agent.Grpc;
using Cryo.Agent.Metrics;
using Cryo.Agent.Store;
using Grpc.Core;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Runs the pulls this agent is asked for (<c>AgentService.PullCheckpoint</c>): connections to the source
/// agent (<see cref="PeerConnections"/>), the <see cref="CheckpointPuller"/> over them, the metrics. A pull
/// also stops when the agent stops, so that a restarted agent finds it suspended and resumes it.
/// </summary>
public sealed class CheckpointPulls(ImageStore store, PeerConnections peers, AgentMetrics metrics, TimeProvider time, IHostApplicationLifetime lifetime)
{
    /// <summary>Pulls <paramref name="namespace"/>/<paramref name="name"/> from the agent at <paramref name="sourceAddress"/>.</summary>
    /// <param name="namespace">The checkpoint's namespace.</param>
    /// <param name="name">The checkpoint's name.</param>
    /// <param name="sourceAddress">The source agent's mutual-TLS listener, <c>https://HOST:PORT</c>.</param>
    /// <param name="sourceNode">The source's node, for messages.</param>
    /// <param name="progress">Told the bytes verified as ranges verify.</param>
    /// <param name="cancellationToken">Stops the pull; what verified is kept for the next call.</param>
    public async Task<PullResult> PullAsync(string @namespace, string name, string sourceAddress, string sourceNode, IProgress<PullProgress> progress,
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

    private static long Received(PullResult result) => result.BytesReceived + result.Parents.Sum(Received);
}
