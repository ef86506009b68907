using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Agents;

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

    /// <summary>Every DeleteCheckpoint request.</summary>
    public List<DeleteCheckpointRequest> DeleteCalls { get; } = [];

    /// <summary>The store's size and free space each checkpoint answer reports (none while null).</summary>
    public StoreSpace? StoreSpace { get; set; }

    /// <summary>When set, a lazy restore is answered as eager, for this reason (as from a node without userfaultfd).</summary>
    public string? LazyFallbackReason { get; set; }

    /// <summary>While set, every call fails with the exception it returns for the agent and method called.</summary>
    public Func<AgentEndpoint, string, Exception>? Failure { get; set; }

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
        return Answer(agent, "Restore", () => new RestoreResponse
        {
            HostPid = 40001,
            NamespacePid = 1,
            NodeName = agent.NodeName,
            Checkpoint = request.Checkpoint,
            OperationId = request.OperationId,
            Timings = new RestoreTimings { VerifyMs = 1, RestoreMs = 10, TotalMs = 12 },
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
    public Task<DeleteCheckpointResponse> DeleteCheckpointAsync(AgentEndpoint agent, DeleteCheckpointRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        DeleteCalls.Add(request);
        return Answer(agent, "DeleteCheckpoint", () => new DeleteCheckpointResponse { Deleted = true, FreedBytes = 4096 });
    }

    private Task<T> Answer<T>(AgentEndpoint agent, string method, Func<T> result) =>
        Failure is { } failure ? Task.FromException<T>(failure(agent, method)) : Task.FromResult(result());
}
