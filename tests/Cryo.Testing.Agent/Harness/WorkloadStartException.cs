namespace Cryo.Testing.Agent.Harness;

/// <summary>A test workload did not start; the message carries what its launcher wrote on stderr.</summary>
public sealed class WorkloadStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkloadStartException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
