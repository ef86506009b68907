using Cryo.Agent.Operations;

namespace Cryo.Agent.Containers;

/// <summary>A process tree could not be resolved; <see cref="Reason"/> says why and the message what to fix.</summary>
public class ContainerResolutionException : AgentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">Why resolution failed.</param>
    /// <param name="tree">What was asked for: a container ID (or prefix) or a PID.</param>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ContainerResolutionException(ResolutionFailure reason, ProcessTreeRef tree, string message, Exception? innerException = null)
        : base($"resolving {tree} failed: {message}", innerException)
    {
        Reason = reason;
        Tree = tree;
    }

    /// <summary>Why resolution failed.</summary>
    public ResolutionFailure Reason { get; }

    /// <summary>What was asked for: a container ID (or prefix) or a PID.</summary>
    public ProcessTreeRef Tree { get; }
}
