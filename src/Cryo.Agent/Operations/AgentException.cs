namespace Cryo.Agent.Operations;

/// <summary>
/// Base of every error the agent raises on purpose: the engines' refusals, container resolution, the
/// image store, the filesystem captures. Each subtype carries what its status needs as typed properties
/// and maps to one gRPC status code and ErrorReason in <c>Cryo.Agent.Grpc.StatusMapper</c>, the only place
/// that translates errors (and never by their text). CRIU's own errors come from the CRIU layer, which
/// knows nothing of the agent; the mapper knows them by type too.
/// </summary>
public abstract class AgentException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected AgentException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
