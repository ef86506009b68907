namespace Cryo.Agent.Operations;

/// <summary>An operation ran past its timeout; CRIU was stopped and nothing committed (DEADLINE_EXCEEDED).</summary>
public sealed class OperationTimedOutException : AgentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operation">What timed out, e.g. "checkpoint default/web-1".</param>
    /// <param name="timeout">The timeout that passed.</param>
    /// <param name="innerException">The cancellation or CRIU error it caused, if any.</param>
    public OperationTimedOutException(string operation, TimeSpan timeout, Exception? innerException = null)
        : base($"{operation} did not finish within {timeout.TotalSeconds:0} s; raise timeout_seconds if the workload is large", innerException)
    {
        Operation = operation;
        Timeout = timeout;
    }

    /// <summary>What timed out.</summary>
    public string Operation { get; }

    /// <summary>The timeout that passed.</summary>
    public TimeSpan Timeout { get; }
}
