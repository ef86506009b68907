using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.ExceptionServices;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu.Images;
using Grpc.Core;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Pulls a committed checkpoint from another agent (its <c>CheckpointTransfer</c> service, over mutual TLS)
/// into this agent's store: the manifest first, then the files over up to <see cref="Streams"/> parallel
/// streams, each fetching one segment (consecutive digest ranges, about <see cref="SegmentBytes"/>) at a
/// time, every range checked against the manifest's SHA-256 as its last byte lands; committed by the
/// store's one rename only when every range verified. A dropped stream is resumed from its first
/// unverified range; a range that fails its digest is fetched once more, and a second failure ends the pull
/// naming the file and range. A stream the source refuses for its stream limit leaves its segments to the
/// others. Nothing half-written is ever visible: a pull that fails for good (a corrupted source, a checkpoint
/// gone) removes its pending entry; one interrupted (cancelled, as when the agent stops; the source
/// unreachable or busy) leaves it for the next pull of the checkpoint, which re-hashes what landed and
/// fetches only the rest, even after the agent restarted (<see cref="ImageStore.BeginPull"/>). An
/// incremental checkpoint's parents (<see cref="ManifestExtraKeys.ParentCheckpoint"/>) are pulled first,
/// each only if the store does not hold it already.
/// </summary>
/// <example>
/// <code>
/// var result = await puller.PullAsync([new CheckpointTransfer.CheckpointTransferClient(channel)], "node-a", "default", "warm-jvm", ct);
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

    // Bytes a stream of CheckpointBytesEndpoint lands at a time, and how many such buffers it reads ahead.
    private const int BytesBuffer = 1024 * 1024;
    private const int QueuedBuffers = 4;

    /// <summary>
    /// The streams a pull runs by default: half this node's cores, 1 to 4. A stream is one connection's TLS on one thread
    /// at each end, plus the hashing here, so more streams help only while both nodes have idle cores: measured on a
    /// 2-core machine (both agents on it, <c>hack/bench.sh migration 1024 3</c>, README "Performance"), 4 streams took
    /// 28.3 s and 5.94 CPU-seconds per GiB against 24.5 s and 5.23 for one (idle, 4.85 s against 4.77): on a node with
    /// few cores, parallel streams only contend with each other and with the node's workloads.
    /// </summary>
    public static int DefaultStreams { get; } = Math.Clamp(Environment.ProcessorCount / 2, 1, 4);

    /// <summary>How many streams one pull runs at once (no more than the source serves: see <c>Transfer:MaxParallelStreams</c>).</summary>
    public int Streams { get; init; } = DefaultStreams;

    /// <summary>About how many bytes one stream asks for at once (whole digest ranges; a larger range is a segment of its own).</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How many times one stream may resume after a drop without progress before the pull gives up (UNAVAILABLE).</summary>
    public int MaxResumes { get; init; } = 5;

    /// <summary>Wait before resuming; doubled per drop, reset by progress.</summary>
    public TimeSpan ResumeDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest one stream may run.</summary>
    public TimeSpan StreamTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How deep a parent chain may go (a cycle in a corrupted chain ends here).</summary>
    public int MaxChainDepth { get; init; } = 64;

    private TimeProvider Time => time;

    /// <summary>Pulls <paramref name="namespace"/>/<paramref name="name"/> (and its missing parents) from <paramref name="source"/>, one connection for every stream.</summary>
    /// <inheritdoc cref="PullAsync(IReadOnlyList{PeerConnection}, string, string, string, IProgress{PullProgress}, CancellationToken)"/>
    public Task<PullResult> PullAsync(CheckpointTransfer.CheckpointTransferClient source, string peer, string @namespace, string name, CancellationToken cancellationToken) =>
        PullAsync([source], peer, @namespace, name, cancellationToken);

    /// <inheritdoc cref="PullAsync(IReadOnlyList{PeerConnection}, string, string, string, IProgress{PullProgress}, CancellationToken)"/>
    public Task<PullResult> PullAsync(IReadOnlyList<CheckpointTransfer.CheckpointTransferClient> connections, string peer, string @namespace, string name,
        CancellationToken cancellationToken) => PullAsync(connections, peer, @namespace, name, progress: null, cancellationToken);

    /// <inheritdoc cref="PullAsync(IReadOnlyList{PeerConnection}, string, string, string, IProgress{PullProgress}, CancellationToken)"/>
    public Task<PullResult> PullAsync(IReadOnlyList<CheckpointTransfer.CheckpointTransferClient> connections, string peer, string @namespace, string name,
        IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connections);
        return PullAsync([.. connections.Select(c => new PeerConnection(c))], peer, @namespace, name, progress, cancellationToken);
    }

    /// <summary>
    /// Pulls <paramref name="namespace"/>/<paramref name="name"/> (and its missing parents) from the agent behind
    /// <paramref name="connections"/>: connections to the same agent, which the streams share in turn (TLS on one
    /// connection is one thread's work; several spread it over cores). The file bytes come from its
    /// <see cref="CheckpointBytesEndpoint"/> on connections that have an HTTP client, over gRPC on the others.
    /// </summary>
    /// <param name="connections">Connections to the agent holding the checkpoint, at least one.</param>
    /// <param name="peer">That agent's name, for messages.</param>
    /// <param name="namespace">The checkpoint's namespace.</param>
    /// <param name="name">The checkpoint's name.</param>
    /// <param name="progress">Told the bytes verified of each checkpoint of the chain as its ranges verify (a parent's first).</param>
    /// <param name="cancellationToken">Stops the pull; what verified is kept for the next pull to resume.</param>
    /// <exception cref="TransferVerificationException">A range failed its digest twice, or the source sent what the manifest does not list.</exception>
    /// <exception cref="TransientAgentException">A stream dropped more than <see cref="MaxResumes"/> times without progress.</exception>
    /// <exception cref="RpcException">The source refused (e.g. NOT_FOUND, RESOURCE_EXHAUSTED).</exception>
    public Task<PullResult> PullAsync(IReadOnlyList<PeerConnection> connections, string peer, string @namespace, string name,
        IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentOutOfRangeException.ThrowIfZero(connections.Count);
        StoreNames.ValidateNamespace(@namespace);
        StoreNames.ValidateName(name);
        return PullChainAsync(connections, peer, @namespace, name, progress, depth: 0, cancellationToken);
    }

    private async Task<PullResult> PullChainAsync(IReadOnlyList<PeerConnection> connections, string peer, string @namespace, string name,
        IProgress<PullProgress>? progress, int depth, CancellationToken cancellationToken)
    {
        if (depth > MaxChainDepth)
        {
            throw new TransientAgentException($"checkpoint {@namespace}/{name} has a parent chain deeper than {MaxChainDepth}: not pulled", TimeSpan.FromMinutes(1));
        }

        using var session = new PullSession(store, peer, @namespace, name, progress);
        session.ReceiveManifest(await FetchManifestAsync(connections[0].Transfer, peer, @namespace, name, cancellationToken));
        var manifest = session.Manifest!;
        if (store.Find(manifest.Key) is { } present)
        {
            // Found, it is this agent's copy only if this agent pulled it: a store every node's agent mounts holds the
            // checkpoint its own node committed, which the operator must not record as a copy to delete here.
            return new PullResult(present, 0, [], [], AlreadyPresent: true, Original: !IsOwnCopy(present));
        }

        // The parents come first: a child committed without them could not be restored.
        var parents = new List<PullResult>();
        if (ParentToPull(manifest) is { } parent)
        {
            parents.Add(await PullChainAsync(connections, peer, @namespace, parent, progress, depth + 1, cancellationToken));
        }

        var pull = new Pull(this, session, connections, peer, @namespace, name, session.Begin(SegmentBytes));
        try
        {
            await pull.RunAsync(cancellationToken);
        }
        catch (Exception e) when (IsInterruption(e))
        {
            // Not the checkpoint's fault: the next pull of it resumes from what verified.
            session.Suspend();
            throw;
        }

        session.CloseFiles();
        if (manifest.Increment is { } increment)
        {
            LinkParent(session, increment.Parent, peer);
        }

        manifest.Extra[ManifestExtraKeys.PulledBy] = store.Owner;
        var committed = await store.CommitAsync(session.Pending!, manifest, cancellationToken);
        return new PullResult(committed, session.BytesReceived, pull.Requests, parents, AlreadyPresent: false, session.BytesResumed);
    }

    private bool IsOwnCopy(StoredCheckpoint present) =>
        present.Manifest.Extra.GetValueOrDefault(ManifestExtraKeys.PulledBy) == store.Owner;

    // The parent this store lacks, by name (the source serves checkpoints by name). An increment's manifest names the
    // very parent it was made against, which a checkpoint here of the same name but another UID is not.
    private string? ParentToPull(CheckpointManifest manifest)
    {
        if (manifest.Increment is { } increment)
        {
            return store.Find(increment.Parent) is null ? increment.Parent.Name : null;
        }

        return manifest.Extra.GetValueOrDefault(ManifestExtraKeys.ParentCheckpoint) is { Length: > 0 } parent
               && store.FindByName(manifest.Key.Namespace, parent).Count == 0
            ? parent
            : null;
    }

    // The manifest lists files only: CRIU's images/parent link, which a restore of the increment follows to the pages it
    // keeps in its parent, is made here, as a dump on this node makes it, and only to the parent the manifest records.
    private void LinkParent(PullSession session, CheckpointKey parent, string peer)
    {
        if (store.Find(parent) is null)
        {
            throw session.Mismatch(StorePaths.ImagesDirectoryName + "/" + CriuImageFiles.ParentLink, 0, 0,
                $"it is an increment of {parent}, but {peer} sent a parent of that name with another UID");
        }

        session.Pending!.LinkParent(parent);
    }

    // The manifest alone, resumed like any stream when the connection drops.
    private async Task<byte[]> FetchManifestAsync(CheckpointTransfer.CheckpointTransferClient source, string peer, string @namespace, string name, CancellationToken cancellationToken)
    {
        var drops = 0;
        var delay = ResumeDelay;
        while (true)
        {
            try
            {
                using var call = source.FetchCheckpoint(
                    new FetchCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = @namespace, Name = name }, ManifestOnly = true },
                    deadline: time.GetUtcNow().UtcDateTime + StreamTimeout, cancellationToken: cancellationToken);
                byte[]? manifest = null;
                await foreach (var part in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    manifest ??= part.PartCase == CheckpointPart.PartOneofCase.Manifest ? part.Manifest.ToByteArray() : null;
                }

                if (manifest is not null)
                {
                    return manifest;
                }

                drops = CountDrop(drops, peer, @namespace, name, "the stream ended before the manifest");
            }
            catch (RpcException e) when (IsDrop(e) && !cancellationToken.IsCancellationRequested)
            {
                drops = CountDrop(drops, peer, @namespace, name, e.Status.Detail);
            }

            await Task.Delay(delay, time, cancellationToken);
            delay *= 2;
        }
    }

    private int CountDrop(int drops, string peer, string @namespace, string name, string why) =>
        drops + 1 > MaxResumes
            ? throw new TransientAgentException($"pulling checkpoint {@namespace}/{name} from {peer}: the stream dropped {drops + 1} times without progress, the last time: {why}; nothing was committed",
                TimeSpan.FromSeconds(30))
            : drops + 1;

    // The pull stopped for a reason that may pass (this agent stopping, the source gone or busy); a corrupted
    // source or a checkpoint that no longer exists are not.
    private static bool IsInterruption(Exception e) =>
        e is OperationCanceledException or TransientAgentException
        || (e is RpcException rpc && (IsDrop(rpc) || rpc.StatusCode is StatusCode.ResourceExhausted or StatusCode.DeadlineExceeded));

    // Lost connections and streams cut short; refusals (NOT_FOUND, RESOURCE_EXHAUSTED, …) are the caller's to handle.
    private static bool IsDrop(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted or StatusCode.Cancelled;

    // One checkpoint's files: the streams, the segments they share, the first failure that ends them all.
    private sealed class Pull(CheckpointPuller puller, PullSession session, IReadOnlyList<PeerConnection> connections,
        string peer, string @namespace, string name, IReadOnlyList<TransferSegment> segments)
    {
        private readonly ConcurrentQueue<TransferSegment> queue = new(segments);
        private readonly ConcurrentQueue<ResumePoint> requests = new();
        private int streams;
        private ExceptionDispatchInfo? firstFailure;

        public IReadOnlyList<ResumePoint> Requests => [.. requests];

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // Rounds, in case a stream handed a segment back just as the others found the queue empty.
            while (!queue.IsEmpty)
            {
                var count = Math.Max(1, Math.Min(puller.Streams, queue.Count));
                streams = count;
#pragma warning disable CA2025 // Every stream is awaited below, before `failed` is disposed.
                var running = Enumerable.Range(0, count).Select(i => RunStreamAsync(connections[i % connections.Count], failed)).ToList();
#pragma warning restore CA2025
                await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                cancellationToken.ThrowIfCancellationRequested();
                // The failure that stopped the pull, not the cancellations it caused in the other streams.
                firstFailure?.Throw();
                await Task.WhenAll(running);
            }

            if (!session.IsComplete)
            {
                throw new InvalidOperationException($"pulling {@namespace}/{name}: the streams ended with ranges left unverified");
            }
        }

        private async Task RunStreamAsync(PeerConnection source, CancellationTokenSource failed)
        {
            var counted = true;
            try
            {
                using var receiver = new SegmentReceiver(session);
                while (queue.TryDequeue(out var segment))
                {
                    if (!await FetchSegmentAsync(source, receiver, segment, failed.Token))
                    {
                        // LeaveToOthers took this stream off the count already.
                        counted = false;
                        queue.Enqueue(segment);
                        return;
                    }
                }
            }
            catch (Exception e) when (!failed.IsCancellationRequested)
            {
                Interlocked.CompareExchange(ref firstFailure, ExceptionDispatchInfo.Capture(e), null);
                await failed.CancelAsync();
                throw;
            }
            finally
            {
                if (counted)
                {
                    Interlocked.Decrement(ref streams);
                }
            }
        }

        // Fetches the segment to its end, resuming after drops. False: the source refused this stream for its
        // stream limit while another stream of the pull still runs, which takes the segment over.
        private async Task<bool> FetchSegmentAsync(PeerConnection source, SegmentReceiver receiver, TransferSegment segment, CancellationToken cancellationToken)
        {
            var drops = 0;
            var delay = puller.ResumeDelay;
            var bytesServed = true;
            while (!segment.IsComplete)
            {
                var from = segment.ResumePoint;
                var verifiedBefore = segment.Next;
                requests.Enqueue(from);
                receiver.Start(segment);
                try
                {
                    if (bytesServed && source.Bytes is { } client)
                    {
                        bytesServed = await ReceiveBytesAsync(client, receiver, from, segment.RemainingBytes, cancellationToken);
                    }

                    if (!bytesServed || source.Bytes is null)
                    {
                        await ReceiveMessagesAsync(source.Transfer, receiver, from, segment.RemainingBytes, cancellationToken);
                    }

                    if (segment.IsComplete)
                    {
                        return true;
                    }

                    drops = puller.CountDrop(segment.Next > verifiedBefore ? 0 : drops, peer, @namespace, name, "the stream ended early");
                }
                catch (RangeRefetchException)
                {
                    // The unit did not count; ask for it again at once.
                    continue;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && LeaveToOthers())
                {
                    return false;
                }
                catch (RpcException e) when (IsDrop(e) && !cancellationToken.IsCancellationRequested)
                {
                    drops = puller.CountDrop(segment.Next > verifiedBefore ? 0 : drops, peer, @namespace, name, e.Status.Detail);
                }

                await Task.Delay(delay, puller.Time, cancellationToken);
                delay = segment.Next > verifiedBefore ? puller.ResumeDelay : delay * 2;
            }

            return true;
        }

        // The segment's bytes as CheckpointTransfer messages, from the resume point.
        private async Task ReceiveMessagesAsync(CheckpointTransfer.CheckpointTransferClient source, SegmentReceiver receiver, ResumePoint from, long length,
            CancellationToken cancellationToken)
        {
            using var call = source.FetchCheckpoint(
                new FetchCheckpointRequest
                {
                    Checkpoint = new CheckpointRef { Namespace = @namespace, Name = name },
                    StartPath = from.Path,
                    StartOffset = from.Offset,
                    Length = length,
                },
                deadline: puller.Time.GetUtcNow().UtcDateTime + puller.StreamTimeout, cancellationToken: cancellationToken);
            await foreach (var part in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (part.PartCase == CheckpointPart.PartOneofCase.Manifest)
                {
                    session.ReceiveManifest(part.Manifest.ToByteArray());
                }
                else
                {
                    receiver.Receive(part.Chunk);
                }
            }
        }

        // The segment's bytes as one body from the source's CheckpointBytesEndpoint, landed a buffer at a time;
        // its refusals and drops surface as the gRPC call's would. False: the source does not serve it (an
        // agent from before it), so the segment goes over gRPC.
        private async Task<bool> ReceiveBytesAsync(HttpClient client, SegmentReceiver receiver, ResumePoint from, long length, CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(puller.StreamTimeout);
            var query = $"?namespace={Uri.EscapeDataString(@namespace)}&name={Uri.EscapeDataString(name)}&path={Uri.EscapeDataString(from.Path)}"
                + FormattableString.Invariant($"&offset={from.Offset}&length={length}");
            using var request = new HttpRequestMessage(HttpMethod.Get, CheckpointBytesEndpoint.Pattern + query)
            {
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                if (!response.IsSuccessStatusCode)
                {
                    return response.StatusCode == HttpStatusCode.NotFound && !response.Headers.Contains("grpc-status")
                        ? false
                        : throw await RefusalAsync(response, deadline.Token);
                }

                session.CheckManifestDigest(response.Headers.TryGetValues(CheckpointBytesEndpoint.ManifestDigestHeader, out var digests) ? digests.FirstOrDefault() : null);
                await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
                await BodyPipeline.LandAsync(body, receiver.ReceiveNext, BytesBuffer, QueuedBuffers, deadline.Token);
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"the stream of checkpoint bytes from {peer} broke: {e.Message}", e));
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"the stream of checkpoint bytes from {peer} ran longer than {puller.StreamTimeout}"));
            }
        }

        // The status the source's endpoint answered with, as the gRPC call would have ended (code, message, details).
        private async Task<RpcException> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            var code = response.Headers.TryGetValues("grpc-status", out var codes) && int.TryParse(codes.First(), CultureInfo.InvariantCulture, out var value)
                ? (StatusCode)value
                : response.StatusCode switch
                {
                    HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
                    HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
                    HttpStatusCode.TooManyRequests => StatusCode.ResourceExhausted,
                    _ => StatusCode.Unavailable,
                };
            var trailers = new Metadata();
            if (response.Headers.TryGetValues("grpc-status-details-bin", out var details))
            {
                trailers.Add("grpc-status-details-bin", Convert.FromBase64String(details.First()));
            }

            return new RpcException(new Status(code, detail.Length > 0 ? detail : $"{peer} answered HTTP {(int)response.StatusCode}"), trailers);
        }

        // This stream stops (and stops counting) if another still runs to take the segment; the last one never does.
        private bool LeaveToOthers()
        {
            var left = Volatile.Read(ref streams);
            while (left > 1)
            {
                var seen = Interlocked.CompareExchange(ref streams, left - 1, left);
                if (seen == left)
                {
                    return true;
                }

                left = seen;
            }

            return false;
        }
    }
}
