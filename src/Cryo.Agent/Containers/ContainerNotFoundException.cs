using Cryo.Agent.Operations;

namespace Cryo.Agent.Containers;

/// <summary>No process on this node matches the PID or container ID asked for.</summary>
public sealed class ContainerNotFoundException : ContainerResolutionException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="tree">What was asked for: a container ID (or prefix) or a PID.</param>
    /// <param name="message">What was looked at, and what to check.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ContainerNotFoundException(ProcessTreeRef tree, string message, Exception? innerException = null)
        : base(ResolutionFailure.NotFound, tree, message, innerException)
    {
    }
}
