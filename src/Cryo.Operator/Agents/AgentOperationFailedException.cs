using Cryo.Contracts.Agent.V1;
using Grpc.Core;

namespace Cryo.Operator.Agents;

/// <summary>
/// The agent refused or failed the operation. Retrying it unchanged would fail again, unless
/// <see cref="MaySucceedLater"/>: a timeout or a full store can pass.
/// </summary>
public sealed class AgentOperationFailedException(
    AgentEndpoint agent, string method, StatusCode code, ErrorReason reason, string detail, string? criuLog)
    : Exception($"{method} on node {agent.NodeName} failed: {code}{(reason is ErrorReason.Unspecified ? "" : $" ({AgentErrorReasons.NameOf(reason)})")}: {detail}" +
                (string.IsNullOrEmpty(criuLog) ? "" : $"\nCRIU log:\n{criuLog}"))
{
    /// <summary>The gRPC status code.</summary>
    public StatusCode Code { get; } = code;

    /// <summary>Why, as the agent's google.rpc.ErrorInfo named it (CRIU_FAILED, say); <see cref="ErrorReason.Unspecified"/> when it named none this operator knows.</summary>
    public ErrorReason Reason { get; } = reason;

    /// <summary>The status detail message.</summary>
    public string Detail { get; } = detail;

    /// <summary>The lines around the error in CRIU's log, when CRIU failed.</summary>
    public string? CriuLog { get; } = criuLog;

    /// <summary>
    /// The operation ran past its deadline (the agent's TIMED_OUT, or no answer before the call's own deadline)
    /// or the agent ran out of space (STORE_FULL): the same request may succeed later, on a less busy node or
    /// once space is freed. Every other answer (invalid request, failed precondition such as CRIU_FAILED,
    /// TARGET_MISMATCH or CHECKPOINT_CORRUPTED, not found, internal error) will be given again.
    /// A caller that retries these must bound its retries.
    /// </summary>
    public bool MaySucceedLater => Code is StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted;
}
