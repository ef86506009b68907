using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Contracts.Agent.V1;
using Grpc.Core;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Pulls a committed checkpoint from another agent (its <c>CheckpointTransfer</c> service, over mutual TLS)
/// into this agent's store: into a pending entry, every chunk checked against the manifest's SHA-256 as it
/// lands, committed by the store's one rename only when every file verified. A dropped stream is resumed
/// from the last verified byte; a range that fails its digest is fetched once more, and a second failure
/// ends the pull naming the file and range. On any failure the pending entry is removed: nothing
/// half-written is ever visible. An incremental checkpoint's parents (<see cref="ManifestExtraKeys.ParentCheckpoint"/>)
/// are pulled first, each only if the store does not hold it already.
/// </summary>
/// <example>
/// <code>
/// var result = await puller.PullAsync(new CheckpointTransfer.CheckpointTransferClient(channel), "node-a", "default", "warm-jvm", ct);
/// // result.Checkpoint is committed here and restorable like one dumped on this node.
/// </code>
/// </example>
public sealed class CheckpointPuller(ImageStore store, TimeProvider time)
{
    /// <summary>
    /// The HTTP/2 receive window a puller's channel should open (SocketsHttpHandler.InitialHttp2StreamWindowSize):
    /// the default 64 KiB, grown only gradually, held a loopback transfer to ~110 MiB/s.
    /// </summary>
    public const int RecommendedStreamWindowBytes = 16 * 1024 * 1024;

    /// <summary>How many times one pull may resume after a dropped stream before giving up (UNAVAILABLE).</summary>
    public int MaxResumes { get; init; } = 5;

    /// <summary>Wait before resuming; doubled per drop, reset by progress.</summary>
    public TimeSpan ResumeDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest one stream may run.</summary>
    public TimeSpan StreamTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How deep a parent chain may go (a cycle in a corrupted chain ends here).</summary>
    public int MaxChainDepth { get; init; } = 64;

    /// <summary>Pulls <paramref name="namespace"/>/<paramref name="name"/> (and its missing parents) from <paramref name="source"/>.</summary>
    /// <param name="source">A client of the agent holding the checkpoint.</param>
    /// <param name="peer">That agent's name, for messages.</param>
    /// <param name="namespace">The checkpoint's namespace.</param>
    /// <param name="name">The checkpoint's name.</param>
    /// <param name="cancellationToken">Stops the pull; the pending entry is removed.</param>
    /// <exception cref="TransferVerificationException">A range failed its digest twice, or the source sent what the manifest does not list.</exception>
    /// <exception cref="TransientAgentException">The stream dropped more than <see cref="MaxResumes"/> times.</exception>
    /// <exception cref="RpcException">The source refused (e.g. NOT_FOUND, RESOURCE_EXHAUSTED).</exception>
    public Task<PullResult> PullAsync(CheckpointTransfer.CheckpointTransferClient source, string peer, string @namespace, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        StoreNames.ValidateNamespace(@namespace);
        StoreNames.ValidateName(name);
        return PullChainAsync(source, peer, @namespace, name, depth: 0, cancellationToken);
    }

    private async Task<PullResult> PullChainAsync(CheckpointTransfer.CheckpointTransferClient source, string peer, string @namespace, string name, int depth,
        CancellationToken cancellationToken)
    {
        if (depth > MaxChainDepth)
        {
            throw new TransientAgentException($"checkpoint {@namespace}/{name} has a parent chain deeper than {MaxChainDepth}: not pulled", TimeSpan.FromMinutes(1));
        }

        using var session = new PullSession(store, peer, @namespace, name);
        var requests = new List<ResumePoint>();
        var parents = new List<PullResult>();
        var drops = 0;
        var delay = ResumeDelay;
        while (true)
        {
            var from = session.NextRequest();
            requests.Add(from);
            var verifiedBefore = session.BytesReceived;
            try
            {
                using var call = source.FetchCheckpoint(
                    new FetchCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = @namespace, Name = name }, StartPath = from.Path, StartOffset = from.Offset },
                    deadline: time.GetUtcNow().UtcDateTime + StreamTimeout, cancellationToken: cancellationToken);
                await foreach (var part in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    if (part.PartCase == CheckpointPart.PartOneofCase.Manifest)
                    {
                        var first = session.Manifest is null;
                        session.ReceiveManifest(part.Manifest.ToByteArray());
                        if (first)
                        {
                            if (store.Find(session.Manifest!.Key) is { } present)
                            {
                                return new PullResult(present, 0, requests, [], AlreadyPresent: true);
                            }

                            // The parents come first: a child committed without them could not be restored.
                            if (session.Manifest.Extra.GetValueOrDefault(ManifestExtraKeys.ParentCheckpoint) is { Length: > 0 } parent
                                && store.FindByName(@namespace, parent).Count == 0)
                            {
                                parents.Add(await PullChainAsync(source, peer, @namespace, parent, depth + 1, cancellationToken));
                            }

                            session.Begin();
                        }
                    }
                    else
                    {
                        session.ReceiveChunk(part.Chunk);
                    }
                }

                if (session.IsComplete)
                {
                    break;
                }

                session.DiscardUnverified();
                drops = CountDrop(drops, peer, @namespace, name, "the stream ended early");
            }
            catch (RangeRefetchException)
            {
                // The session already dropped the range; ask for it again at once.
                continue;
            }
            catch (RpcException e) when (IsDrop(e) && !cancellationToken.IsCancellationRequested)
            {
                session.DiscardUnverified();
                drops = CountDrop(session.BytesReceived > verifiedBefore ? 0 : drops, peer, @namespace, name, e.Status.Detail);
            }

            await Task.Delay(delay, time, cancellationToken);
            delay = session.BytesReceived > verifiedBefore ? ResumeDelay : delay * 2;
        }

        var committed = await store.CommitAsync(session.Pending!, session.Manifest!, cancellationToken);
        return new PullResult(committed, session.BytesReceived, requests, parents, AlreadyPresent: false);
    }

    private int CountDrop(int drops, string peer, string @namespace, string name, string why) =>
        drops + 1 > MaxResumes
            ? throw new TransientAgentException($"pulling checkpoint {@namespace}/{name} from {peer}: the stream dropped {drops + 1} times without progress, the last time: {why}; nothing was committed",
                TimeSpan.FromSeconds(30))
            : drops + 1;

    // Lost connections and streams cut short; refusals (NOT_FOUND, RESOURCE_EXHAUSTED, …) are the caller's to handle.
    private static bool IsDrop(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted or StatusCode.Cancelled;
}
