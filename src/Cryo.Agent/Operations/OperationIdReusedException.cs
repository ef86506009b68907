namespace Cryo.Agent.Operations;

/// <summary>An operation ID was sent again with a different request (INVALID_ARGUMENT on <c>operation_id</c>).</summary>
public sealed class OperationIdReusedException : AgentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operationId">The reused ID.</param>
    /// <param name="firstRequest">What the ID was first used for, in words.</param>
    public OperationIdReusedException(string operationId, string firstRequest)
        : base($"operation_id {operationId} was already used for a different request ({firstRequest}); use a new ID for a new operation")
    {
        OperationId = operationId;
    }

    /// <summary>The reused ID.</summary>
    public string OperationId { get; }
}
