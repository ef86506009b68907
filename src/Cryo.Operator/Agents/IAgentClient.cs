using Cryo.Contracts.Agent.V1;

namespace Cryo.Operator.Agents;

/// <summary>
/// Calls an agent's gRPC API. Failures are typed: <see cref="AgentUnavailableException"/> for trouble worth
/// retrying (the agent cannot be reached or asks for a retry), <see cref="AgentOperationFailedException"/>
/// for an answer that retrying unchanged will not change (except a timeout or a full store, see
/// <see cref="AgentOperationFailedException.MaySucceedLater"/>).
/// </summary>
public interface IAgentClient
{
    /// <summary>Checkpoints and returns the committed result.</summary>
    Task<CheckpointResult> CheckpointAsync(AgentEndpoint agent, CheckpointRequest request, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Restores and returns the restored tree.</summary>
    Task<RestoreResponse> RestoreAsync(AgentEndpoint agent, RestoreRequest request, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the agent to pull a checkpoint from another node's agent; <paramref name="progress"/> is told the bytes
    /// verified as they land. Returns once the checkpoint is committed in the agent's store.
    /// </summary>
    Task<PullCheckpointResult> PullCheckpointAsync(
        AgentEndpoint agent, PullCheckpointRequest request, IProgress<TransferProgress> progress, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The manifest of a checkpoint in the agent's store (NOT_FOUND as <see cref="AgentOperationFailedException"/>).</summary>
    Task<CheckpointDetails> InspectCheckpointAsync(AgentEndpoint agent, InspectCheckpointRequest request, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Deletes a checkpoint's images.</summary>
    Task<DeleteCheckpointResponse> DeleteCheckpointAsync(AgentEndpoint agent, DeleteCheckpointRequest request, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The node's CRIU, kernel, capabilities and CPU description (what a preflight elsewhere checks against).</summary>
    Task<NodeInfo> GetNodeInfoAsync(AgentEndpoint agent, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Whether the agent's node can restore a checkpoint (or one with the given requirements), each gap named.</summary>
    Task<PreflightResponse> PreflightAsync(AgentEndpoint agent, PreflightRequest request, TimeSpan timeout, CancellationToken cancellationToken);
}
