using Cryo.Agent.Operations;

namespace Cryo.Agent.Checkpointing;

/// <summary>The process tree has a shape CRIU cannot dump; the message says what to change.</summary>
public sealed class TreeNotCheckpointableException : AgentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="pid">Host PID of the tree's root.</param>
    /// <param name="message">Why, and what to change.</param>
    public TreeNotCheckpointableException(int pid, string message)
        : base(message)
    {
        Pid = pid;
    }

    /// <summary>Host PID of the tree's root.</summary>
    public int Pid { get; }
}
