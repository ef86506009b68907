namespace Cryo.Agent.Transfer;

/// <summary>
/// Endpoint metadata: an HTTP endpoint outside gRPC that other agents may call, like <c>CheckpointTransfer</c>, on the
/// agent's listeners (<see cref="CheckpointBytesEndpoint"/>). <see cref="Security.CallerAuthorizationMiddleware"/> checks its callers.
/// </summary>
public sealed class PeerTransferEndpoint
{
    /// <summary>What the refusal log calls it.</summary>
    public string Name => "CheckpointTransfer bytes";
}
