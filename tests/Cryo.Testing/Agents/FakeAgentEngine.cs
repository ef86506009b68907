using System.Collections.Concurrent;
using Cryo.Contracts.Agent.V1;
using Grpc.Core;

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
    private readonly ConcurrentDictionary<Lazy<Task<RestoreResponse>>, ContainerTarget> restoreTargets = new();
    private int dumps;
    private int restoresRun;

    /// <summary>The node this agent serves.</summary>
    public string NodeName { get; } = nodeName;

    /// <summary>Every Checkpoint request received (also the joined ones).</summary>
    public ConcurrentQueue<CheckpointRequest> CheckpointCalls { get; } = new();

    /// <summary>Every Restore request received.</summary>
    public ConcurrentQueue<RestoreRequest> RestoreCalls { get; } = new();

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
    /// Whether the node's kernel tracks dirty memory (soft-dirty, CRIU's <c>mem_dirty_track</c>), which incremental
    /// checkpoints need. False by default, like this machine's kernel: a checkpoint naming a parent is then refused
    /// as the real agent refuses it (FAILED_PRECONDITION, FEATURE_UNAVAILABLE, a PreconditionFailure naming the feature).
    /// </summary>
    public bool MemoryTracking { get; set; }

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

    /// <summary>Deletes a checkpoint (idempotent).</summary>
    public DeleteCheckpointResponse Delete(DeleteCheckpointRequest request)
    {
        DeleteCalls.Enqueue(request);
        var existed = checkpoints.Values.Any(c => c.Value.IsCompletedSuccessfully &&
                                                  c.Value.Result.Checkpoint.Namespace == request.Checkpoint.Namespace &&
                                                  c.Value.Result.Checkpoint.Name == request.Checkpoint.Name);
        return new DeleteCheckpointResponse { Deleted = existed, FreedBytes = existed ? SizeBytes : 0 };
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

        if (request.ParentCheckpoint.Length > 0 && !MemoryTracking)
        {
            throw FeatureUnavailable("mem_dirty_track", "kernel lacks CONFIG_MEM_SOFT_DIRTY: incremental (pre-dump/track-mem) checkpoints are unavailable");
        }

        Interlocked.Increment(ref dumps);
        return new CheckpointResult
        {
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
