using System.Collections.Concurrent;
using Cryo.Contracts.Agent.V1;

namespace Cryo.Testing.Agents;

/// <summary>
/// The agent's behaviour without CRIU: it honours the API's idempotency contract (a call repeated with the
/// same operation_id joins the operation in flight or returns its first successful result; a failed
/// operation is forgotten) and counts what it really did, so tests can assert "dumped exactly once".
/// </summary>
public sealed class FakeAgentEngine(string nodeName)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<CheckpointResult>>> checkpoints = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<RestoreResponse>>> restores = new();
    private readonly ConcurrentDictionary<(string Namespace, string Name), bool> deleted = new();
    private readonly ConcurrentDictionary<(string Namespace, string Name), bool> pulled = new();
    private readonly ConcurrentDictionary<Lazy<Task<RestoreResponse>>, ContainerTarget> restoreTargets = new();
    private int dumps;
    private int restoresRun;

    /// <summary>The node this agent serves.</summary>
    public string NodeName { get; } = nodeName;

    /// <summary>Every Checkpoint request received (also the joined ones).</summary>
    public ConcurrentQueue<CheckpointRequest> CheckpointCalls { get; } = new();

    /// <summary>Every Restore request received.</summary>
    public ConcurrentQueue<RestoreRequest> RestoreCalls { get; } = new();

    /// <summary>
    /// Checkpoints (namespace, name) this node's store lacks, as a per-node store lacks what another node took: a restore
    /// of one is refused NOT_FOUND (CHECKPOINT_NOT_FOUND) as the real agent refuses it, until a pull brought it here.
    /// </summary>
    public ConcurrentDictionary<(string Namespace, string Name), bool> Missing { get; } = new();

    /// <summary>Every PullCheckpoint request received.</summary>
    public ConcurrentQueue<PullCheckpointRequest> PullCalls { get; } = new();

    /// <summary>Every DeleteCheckpoint request received.</summary>
    public ConcurrentQueue<DeleteCheckpointRequest> DeleteCalls { get; } = new();

    /// <summary>Checkpoints actually taken (one per successful operation).</summary>
    public int Dumps => Volatile.Read(ref dumps);

    /// <summary>Restores actually run.</summary>
    public int RestoresRun => Volatile.Read(ref restoresRun);

    /// <summary>When set, dumps wait for it (to hold an operation in flight).</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>When set, the next new checkpoint operation fails with it.</summary>
    public RpcException? FailNextCheckpoint { get; set; }

    /// <summary>
    /// Whether the agent is of a release that made increments only with the kernel's dirty-memory tracking, on a
    /// kernel without it: a checkpoint naming a parent is then refused as that agent refused it (FAILED_PRECONDITION,
    /// FEATURE_UNAVAILABLE, a PreconditionFailure naming the feature). False by default: today's agent makes increments
    /// by content on every kernel, storing <see cref="IncrementFraction"/> of the size.
    /// </summary>
    public bool RefusesIncrements { get; set; }

    /// <summary>Of <see cref="SizeBytes"/>, what an increment stores.</summary>
    public double IncrementFraction { get; set; } = 0.1;

    /// <summary>Of what a checkpoint stores, what it stores compressed with zstd (options.compression).</summary>
    public double CompressedFraction { get; set; } = 0.25;

    /// <summary>While set, new restore operations fail with the exception it returns for them (none: they run); cleared, the agent "recovers".</summary>
    public Func<RestoreRequest, RpcException?>? RestoreFailure { get; set; }

    /// <summary>When set, restores wait for it (to hold an operation in flight).</summary>
    public TaskCompletionSource? RestoreHold { get; set; }

    /// <summary>Size reported for each checkpoint.</summary>
    public long SizeBytes { get; set; } = 4096;

    /// <summary>Runs (or joins) a checkpoint operation.</summary>
    public Task<CheckpointResult> CheckpointAsync(CheckpointRequest request)
    {
        CheckpointCalls.Enqueue(request);
        var operation = checkpoints.GetOrAdd(request.OperationId, _ => new Lazy<Task<CheckpointResult>>(() => DumpAsync(request)));
        return ForgetOnFailure(checkpoints, request.OperationId, operation);
    }

    /// <summary>Runs (or joins) a restore operation.</summary>
    public Task<RestoreResponse> RestoreAsync(RestoreRequest request)
    {
        RestoreCalls.Enqueue(request);
        if (Missing.ContainsKey((request.Checkpoint.Namespace, request.Checkpoint.Name)))
        {
            return Task.FromException<RestoreResponse>(AgentErrors.Of(StatusCode.NotFound, "CHECKPOINT_NOT_FOUND",
                $"no committed checkpoint {request.Checkpoint.Namespace}/{request.Checkpoint.Name} in the store"));
        }

        var created = new Lazy<Task<RestoreResponse>>(() => RunRestoreAsync(request));
        restoreTargets[created] = request.Container;
        var operation = restores.GetOrAdd(request.OperationId, created);
        if (!ReferenceEquals(operation, created))
        {
            restoreTargets.TryRemove(created, out _);
            if (restoreTargets.TryGetValue(operation, out var first) && !first.Equals(request.Container))
            {
                // As the real agent's registry: an operation ID known with another request is refused.
                return Task.FromException<RestoreResponse>(new RpcException(new Status(StatusCode.InvalidArgument,
                    $"operation_id {request.OperationId} was already used to restore into {first}")));
            }
        }

        return ForgetOnFailure(restores, request.OperationId, operation);
    }

    /// <summary>Pulls a checkpoint from another node's agent (at once: nothing is fetched), as the real agent's PullCheckpoint answers.</summary>
    public PullCheckpointResult Pull(PullCheckpointRequest request)
    {
        PullCalls.Enqueue(request);
        var key = (request.Checkpoint.Namespace, request.Checkpoint.Name);
        var present = !Missing.TryRemove(key, out _);
        pulled[key] = true;
        deleted.TryRemove(key, out _);
        return new PullCheckpointResult { Checkpoint = request.Checkpoint, BytesReceived = present ? 0 : SizeBytes, AlreadyPresent = present };
    }

    /// <summary>Deletes a checkpoint (idempotent).</summary>
    public DeleteCheckpointResponse Delete(DeleteCheckpointRequest request)
    {
        DeleteCalls.Enqueue(request);
        var ns = request.Checkpoint.Namespace;
        var name = request.Checkpoint.Name;
        var children = checkpoints.Values
            .Where(c => c.IsValueCreated && c.Value.IsCompletedSuccessfully && c.Value.Result.Checkpoint.Namespace == ns && c.Value.Result.ParentCheckpoint == name
                        && !deleted.ContainsKey((ns, c.Value.Result.Checkpoint.Name)))
            .Select(c => c.Value.Result.Checkpoint.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (children.Count > 0)
        {
            throw HasChildren(ns, name, children);
        }

        var existed = Stored(ns, name) is not null | pulled.TryRemove((ns, name), out _);
        deleted[(ns, name)] = true;
        return new DeleteCheckpointResponse { Deleted = existed, FreedBytes = existed ? SizeBytes : 0 };
    }

    private CheckpointResult? Stored(string ns, string name) =>
        deleted.ContainsKey((ns, name))
            ? null
            : checkpoints.Values.Where(c => c.IsValueCreated && c.Value.IsCompletedSuccessfully).Select(c => c.Value.Result)
                .FirstOrDefault(r => r.Checkpoint.Namespace == ns && r.Checkpoint.Name == name);

    /// <summary>The status the agent's StatusMapper sends for a CheckpointHasChildrenException.</summary>
    private static RpcException HasChildren(string ns, string name, IReadOnlyList<string> children)
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)StatusCode.FailedPrecondition,
            Message = $"checkpoint {ns}/{name} cannot be deleted: the increments {string.Join(", ", children)} read its pages; delete them first",
        };
        var info = new Google.Rpc.ErrorInfo { Domain = "cryo.io", Reason = "CHECKPOINT_HAS_CHILDREN" };
        info.Metadata.Add("children", string.Join(",", children));
        status.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(info));
        return status.ToRpcException();
    }

    private async Task<CheckpointResult> DumpAsync(CheckpointRequest request)
    {
        if (FailNextCheckpoint is { } failure)
        {
            FailNextCheckpoint = null;
            throw failure;
        }

        if (Hold is { } hold)
        {
            await hold.Task;
        }

        if (request.ParentCheckpoint.Length > 0 && RefusesIncrements)
        {
            throw FeatureUnavailable("mem_dirty_track", "kernel lacks CONFIG_MEM_SOFT_DIRTY: incremental (pre-dump/track-mem) checkpoints are unavailable");
        }

        var parent = request.ParentCheckpoint.Length == 0 ? null : Stored(request.Namespace, request.ParentCheckpoint);
        if (request.ParentCheckpoint.Length > 0 && parent is null)
        {
            // As the real agent: a parent not in the store is NOT_FOUND.
            throw new RpcException(new Status(StatusCode.NotFound, $"checkpoint {request.Namespace}/{request.Name} names parent {request.ParentCheckpoint}, which does not exist in the store"));
        }

        // As the real agent: "" and "none" store plainly, "zstd" compresses, anything else is refused.
        var compression = request.Options?.Compression is "zstd" ? "zstd" : "";
        if (request.Options?.Compression is { Length: > 0 } asked && asked is not ("none" or "zstd"))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"options.compression: unknown compression \"{asked}\": use none or zstd"));
        }

        Interlocked.Increment(ref dumps);
        return new CheckpointResult
        {
            StoredBytes = (long)((parent is null ? SizeBytes : SizeBytes * IncrementFraction) * (compression.Length > 0 ? CompressedFraction : 1)),
            Compression = compression,
            // As the real agent: an uncompressed increment keeps the whole memory beside it, a full checkpoint none.
            FlatCopyBytes = parent is null || compression.Length > 0 ? 0 : SizeBytes,
            ParentCheckpoint = request.ParentCheckpoint,
            ChainLength = parent is null ? 1 : parent.ChainLength + 1,
            Checkpoint = new CheckpointRef { Namespace = request.Namespace, Name = request.Name },
            Location = $"{request.Namespace}/{request.Name}-{request.OperationId}",
            SizeBytes = SizeBytes,
            CriuVersion = "4.2.1",
            NodeName = NodeName,
            OperationId = request.OperationId,
            ProcessCount = 1,
            Timings = new CheckpointTimings { FreezeMs = 3, DumpMs = 20, TotalMs = 30 },
        };
    }

    /// <summary>The status the agent's StatusMapper sends for a FeatureUnavailableException.</summary>
    private static RpcException FeatureUnavailable(string feature, string reason)
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)StatusCode.FailedPrecondition,
            Message = $"feature {feature} is not available on this node: {reason}",
        };
        var info = new Google.Rpc.ErrorInfo { Domain = "cryo.io", Reason = "FEATURE_UNAVAILABLE" };
        info.Metadata.Add("feature", feature);
        info.Metadata.Add("reason", reason);
        status.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(info));
        var precondition = new Google.Rpc.PreconditionFailure();
        precondition.Violations.Add(new Google.Rpc.PreconditionFailure.Types.Violation { Type = "FEATURE", Subject = feature, Description = reason });
        status.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(precondition));
        return status.ToRpcException();
    }

    private async Task<RestoreResponse> RunRestoreAsync(RestoreRequest request)
    {
        if (RestoreHold is { } hold)
        {
            await hold.Task;
        }

        if (RestoreFailure?.Invoke(request) is { } failure)
        {
            throw failure;
        }

        var n = Interlocked.Increment(ref restoresRun);
        return new RestoreResponse
        {
            HostPid = 40000 + n,
            NamespacePid = 1,
            NodeName = NodeName,
            Checkpoint = request.Checkpoint,
            OperationId = request.OperationId,
            Timings = new RestoreTimings { VerifyMs = 1, RestoreMs = 10, TotalMs = 12 },
            // As an agent whose kernel has userfaultfd: a lazy restore asked for is done lazily.
            Lazy = request.Lazy,
        };
    }

    private static async Task<T> ForgetOnFailure<T>(ConcurrentDictionary<string, Lazy<Task<T>>> operations, string id, Lazy<Task<T>> operation)
    {
        try
        {
            return await operation.Value;
        }
        catch
        {
            operations.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(id, operation));
            throw;
        }
    }
}
