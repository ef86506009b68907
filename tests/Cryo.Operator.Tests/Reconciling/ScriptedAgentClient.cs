using Cryo.Contracts.Agent.V1;
using CheckpointTimings = Cryo.Contracts.Agent.V1.CheckpointTimings;
using RestoreTimings = Cryo.Contracts.Agent.V1.RestoreTimings;

namespace Cryo.Operator.Tests.Reconciling;

/// <summary>
/// A hand-written <see cref="IAgentClient"/> for single reconcile passes: it records every request and answers at
/// once, with a fixed result or with the exception <see cref="Failure"/> makes for the call (as the real client
/// would throw it). It lives here, beside <see cref="SinglePassHarness"/>, not in Agents/: hack/bench/operator compiles
/// Agents/*.cs into a project without the operator.
/// </summary>
public sealed class ScriptedAgentClient : IAgentClient
{
    /// <summary>Every Checkpoint request.</summary>
    public List<CheckpointRequest> CheckpointCalls { get; } = [];

    /// <summary>Every Restore request.</summary>
    public List<RestoreRequest> RestoreCalls { get; } = [];

    /// <summary>Every PullCheckpoint request, with the agent asked.</summary>
    public List<(AgentEndpoint Agent, PullCheckpointRequest Request)> PullCalls { get; } = [];

    /// <summary>
    /// Checkpoints (node, namespace/name) the agent of that node does not hold: a restore of one there is answered
    /// NOT_FOUND (CHECKPOINT_NOT_FOUND), as the real agent answers it, until a pull of it there succeeded.
    /// </summary>
    public HashSet<(string Node, string Checkpoint)> Missing { get; } = [];

    /// <summary>
    /// How the next pulls end: each call reports <see cref="PullProgress"/> (if any), is recorded, then waits for this, and gives
    /// its result or failure. Completed with a result of 1 MiB received unless the test replaces it.
    /// </summary>
    public TaskCompletionSource<PullCheckpointResult> PullOutcome { get; set; } = Completed(new PullCheckpointResult { BytesReceived = 1024 * 1024 });

    /// <summary>From now on pulls wait for the test: the <see cref="PullOutcome"/> it completes or fails when it chooses.</summary>
    public TaskCompletionSource<PullCheckpointResult> HoldPulls() =>
        PullOutcome = new TaskCompletionSource<PullCheckpointResult>(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What each pull reports before it waits for <see cref="PullOutcome"/>.</summary>
    public List<TransferProgress> PullProgress { get; } = [];

    /// <summary>Every DeleteCheckpoint request.</summary>
    public List<DeleteCheckpointRequest> DeleteCalls { get; } = [];

    /// <summary>Every DeleteCheckpoint call as the node asked and the checkpoint's name, in order.</summary>
    public List<(string Node, string Name)> DeletedOn { get; } = [];

    /// <summary>The store's size and free space each checkpoint answer reports (none while null).</summary>
    public StoreSpace? StoreSpace { get; set; }

    /// <summary>When set, a lazy restore is answered as eager, for this reason (as from a node without userfaultfd).</summary>
    public string? LazyFallbackReason { get; set; }

    /// <summary>While set, every call fails with the exception it returns for the agent and method called.</summary>
    public Func<AgentEndpoint, string, Exception>? Failure { get; set; }

    /// <summary>
    /// From now on every call fails as the agent refusing it would (FailedPrecondition, for <paramref name="reason"/>,
    /// saying <paramref name="detail"/>), until <see cref="Failure"/> is set back to null.
    /// </summary>
    public void Refuse(ErrorReason reason, string detail) =>
        Failure = (agent, method) => new AgentOperationFailedException(agent, method, StatusCode.FailedPrecondition, reason, detail, null);

    /// <inheritdoc/>
    public Task<CheckpointResult> CheckpointAsync(AgentEndpoint agent, CheckpointRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        CheckpointCalls.Add(request);
        return Answer(agent, "Checkpoint", () => new CheckpointResult
        {
            Checkpoint = new CheckpointRef { Namespace = request.Namespace, Name = request.Name },
            Location = $"{request.Namespace}/{request.Name}-{request.OperationId}",
            SizeBytes = 4096,
            CriuVersion = "4.2.1",
            NodeName = agent.NodeName,
            OperationId = request.OperationId,
            ProcessCount = 1,
            Timings = new CheckpointTimings { FreezeMs = 3, DumpMs = 20, TotalMs = 30 },
            StoreSpace = StoreSpace,
        });
    }

    /// <inheritdoc/>
    public Task<RestoreResponse> RestoreAsync(AgentEndpoint agent, RestoreRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        RestoreCalls.Add(request);
        if (Failure is null && Missing.Contains((agent.NodeName, $"{request.Checkpoint.Namespace}/{request.Checkpoint.Name}")))
        {
            return Task.FromException<RestoreResponse>(new AgentOperationFailedException(agent, "Restore", Grpc.Core.StatusCode.NotFound, ErrorReason.CheckpointNotFound,
                $"no committed checkpoint {request.Checkpoint.Namespace}/{request.Checkpoint.Name}", null));
        }

        return Answer(agent, "Restore", () => new RestoreResponse
        {
            HostPid = 40001,
            NamespacePid = 1,
            NodeName = agent.NodeName,
            Checkpoint = request.Checkpoint,
            OperationId = request.OperationId,
            Timings = new RestoreTimings
            {
                VerifyMs = 1, RestoreMs = 10, TotalMs = 21, TargetMs = 2, FilesMs = 6, FilesWaitMs = 3, PrepareMs = 4, VerifyWaitMs = 0, HandoffMs = 5,
            },
            Lazy = request.Lazy && LazyFallbackReason is null,
            LazyFallbackReason = request.Lazy ? LazyFallbackReason ?? string.Empty : string.Empty,
        });
    }

    /// <summary>What InspectCheckpoint answers, by namespace/name; a checkpoint not in it is NOT_FOUND.</summary>
    public Dictionary<string, CheckpointDetails> Stored { get; } = new(StringComparer.Ordinal);

    /// <summary>Every InspectCheckpoint request.</summary>
    public List<InspectCheckpointRequest> InspectCalls { get; } = [];

    /// <inheritdoc/>
    public Task<CheckpointDetails> InspectCheckpointAsync(AgentEndpoint agent, InspectCheckpointRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        InspectCalls.Add(request);
        var key = $"{request.Checkpoint.Namespace}/{request.Checkpoint.Name}";
        return Stored.TryGetValue(key, out var details)
            ? Answer(agent, "InspectCheckpoint", () => details)
            : Task.FromException<CheckpointDetails>(new AgentOperationFailedException(agent, "InspectCheckpoint", Grpc.Core.StatusCode.NotFound, ErrorReason.CheckpointNotFound,
                $"checkpoint {key} does not exist in the store", null));
    }

    /// <inheritdoc/>
    public async Task<PullCheckpointResult> PullCheckpointAsync(
        AgentEndpoint agent, PullCheckpointRequest request, IProgress<TransferProgress> progress, TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var step in PullProgress)
        {
            progress.Report(step);
        }

        // Recorded after the progress: a test that saw the call sees its progress too.
        lock (PullCalls)
        {
            PullCalls.Add((agent, request));
        }

        if (Failure is { } failure)
        {
            throw failure(agent, "PullCheckpoint");
        }

        var result = await PullOutcome.Task.WaitAsync(cancellationToken);
        Missing.Remove((agent.NodeName, $"{request.Checkpoint.Namespace}/{request.Checkpoint.Name}"));
        return result;
    }

    /// <inheritdoc/>
    public Task<DeleteCheckpointResponse> DeleteCheckpointAsync(AgentEndpoint agent, DeleteCheckpointRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        DeleteCalls.Add(request);
        DeletedOn.Add((agent.NodeName, request.Checkpoint.Name));
        return Answer(agent, "DeleteCheckpoint", () => new DeleteCheckpointResponse { Deleted = true, FreedBytes = 4096 });
    }

    /// <summary>Every Preflight request, with the agent asked.</summary>
    public List<(AgentEndpoint Agent, PreflightRequest Request)> PreflightCalls { get; } = [];

    /// <summary>What Preflight answers, by the asked agent's node; a node not in it can restore anything.</summary>
    public Dictionary<string, PreflightResponse> PreflightAnswers { get; } = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task<NodeInfo> GetNodeInfoAsync(AgentEndpoint agent, TimeSpan timeout, CancellationToken cancellationToken) =>
        Answer(agent, "GetNodeInfo", () => new NodeInfo
        {
            NodeName = agent.NodeName, CriuVersion = "4.2.1", KernelRelease = "6.18.0", Cpuinfo = Google.Protobuf.ByteString.CopyFromUtf8($"cpu of {agent.NodeName}"),
        });

    /// <inheritdoc/>
    public Task<PreflightResponse> PreflightAsync(AgentEndpoint agent, PreflightRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        PreflightCalls.Add((agent, request));
        return Answer(agent, "Preflight", () => PreflightAnswers.TryGetValue(agent.NodeName, out var answer)
            ? answer
            : new PreflightResponse { CanRestore = true, NodeName = agent.NodeName, CriuVersion = "4.2.1", KernelRelease = "6.18.0" });
    }

    private static TaskCompletionSource<T> Completed<T>(T result)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult(result);
        return done;
    }

    private Task<T> Answer<T>(AgentEndpoint agent, string method, Func<T> result) =>
        Failure is { } failure ? Task.FromException<T>(failure(agent, method)) : Task.FromResult(result());
}
