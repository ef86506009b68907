using Cryo.Agent.Store;

namespace Cryo.Agent.Transfer;

/// <summary>What a pull did.</summary>
/// <param name="Checkpoint">The checkpoint, committed in this agent's store.</param>
/// <param name="BytesReceived">File bytes received for it (more than its size when a dropped stream or a bad range was fetched again).</param>
/// <param name="Requests">Every stream asked for, in order: the first from the start, each later one from where verified data ended.</param>
/// <param name="Parents">The parent checkpoints pulled for it, nearest first (those the store already had are not pulled again).</param>
/// <param name="AlreadyPresent">The store had it already: nothing was fetched.</param>
/// <param name="BytesResumed">Bytes an interrupted pull of it had left that verified, and were not fetched again.</param>
/// <param name="Original">
/// With <paramref name="AlreadyPresent"/>: what the store holds is no copy this agent pulled but the checkpoint as it was
/// committed where it was taken, in a store this agent shares with that node's (or its own dump): this node holds no copy
/// whose deletion would leave the original.
/// </param>
public sealed record PullResult(StoredCheckpoint Checkpoint, long BytesReceived, IReadOnlyList<ResumePoint> Requests, IReadOnlyList<PullResult> Parents, bool AlreadyPresent,
    long BytesResumed = 0, bool Original = false);

/// <summary>Where a stream was asked to start: a manifest path and offset (empty path: the beginning).</summary>
/// <param name="Path">The first file.</param>
/// <param name="Offset">Its first byte.</param>
public readonly record struct ResumePoint(string Path, long Offset);
