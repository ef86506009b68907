using Grpc.Core;

namespace Cryo.Operator.Agents;

/// <summary>The agent refused or failed the operation; retrying it unchanged would fail again.</summary>
public sealed class AgentOperationFailedException(
    AgentEndpoint agent, string method, StatusCode code, string? reason, string detail, string? criuLog)
    : Exception($"{method} on node {agent.NodeName} failed: {code}{(reason is null ? "" : $" ({reason})")}: {detail}" +
                (string.IsNullOrEmpty(criuLog) ? "" : $"\nCRIU log:\n{criuLog}"))
{
    /// <summary>The gRPC status code.</summary>
    public StatusCode Code { get; } = code;

    /// <summary>The google.rpc.ErrorInfo reason (an ErrorReason name such as CRIU_FAILED), when the agent sent one.</summary>
    public string? Reason { get; } = reason;

    /// <summary>The status detail message.</summary>
    public string Detail { get; } = detail;

    /// <summary>The lines around the error in CRIU's log, when CRIU failed.</summary>
    public string? CriuLog { get; } = criuLog;
}
