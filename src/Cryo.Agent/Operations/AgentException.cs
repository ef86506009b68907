namespace Cryo.Agent.Operations;

/// <summary>
/// Base of the typed errors the engines and the service raise on purpose. Each subtype maps to one gRPC
/// status code in <c>Cryo.Agent.Grpc.StatusMapper</c>, the only place that translates errors.
/// </summary>
public abstract class AgentException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected AgentException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
