namespace Cryo.Agent.Containers;

/// <summary>No process on this node matches the PID or container ID asked for.</summary>
public sealed class ContainerNotFoundException : ContainerResolutionException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="subject">What was asked for: <c>container 3f2a…</c> or <c>PID 1234</c>.</param>
    /// <param name="message">What was looked at, and what to check.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ContainerNotFoundException(string subject, string message, Exception? innerException = null)
        : base(ResolutionFailure.NotFound, subject, message, innerException)
    {
    }
}
