namespace Cryo.Testing.Node;

/// <summary>A pod did not come up: a CRI step failed, or an init container did not succeed (its log is in the message).</summary>
public sealed class PodStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PodStartException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
