using Cryo.Agent.Operations;

namespace Cryo.Agent.Restoring;

/// <summary>The restore target lacks something the checkpoint needs (a mount, a known root).</summary>
public sealed class RestoreTargetMismatchException : AgentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The path inside the container that does not match.</param>
    /// <param name="message">What is wrong and what to do.</param>
    public RestoreTargetMismatchException(string path, string message)
        : base(message)
    {
        Path = path;
    }

    /// <summary>The path inside the container that does not match.</summary>
    public string Path { get; }
}
