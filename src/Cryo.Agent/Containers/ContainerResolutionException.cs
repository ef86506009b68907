namespace Cryo.Agent.Containers;

/// <summary>A process tree could not be resolved; <see cref="Reason"/> says why and the message what to fix.</summary>
public class ContainerResolutionException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">Why resolution failed.</param>
    /// <param name="subject">What was asked for: <c>container 3f2a…</c> or <c>PID 1234</c>.</param>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ContainerResolutionException(ResolutionFailure reason, string subject, string message, Exception? innerException = null)
        : base($"resolving {subject} failed: {message}", innerException)
    {
        Reason = reason;
        Subject = subject;
    }

    /// <summary>Why resolution failed.</summary>
    public ResolutionFailure Reason { get; }

    /// <summary>What was asked for: <c>container …</c> or <c>PID …</c>.</summary>
    public string Subject { get; }
}
