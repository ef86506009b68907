namespace Cryo.Agent.Operations;

/// <summary>Transient trouble: retrying the same operation later may succeed (UNAVAILABLE).</summary>
public sealed class TransientAgentException : AgentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="retryAfter">A suggested delay before retrying.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TransientAgentException(string message, TimeSpan retryAfter, Exception? innerException = null)
        : base(message, innerException)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>A suggested delay before retrying.</summary>
    public TimeSpan RetryAfter { get; }
}
