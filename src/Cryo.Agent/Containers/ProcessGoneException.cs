using Cryo.Agent.Operations;

namespace Cryo.Agent.Containers;

/// <summary>A process named by PID does not exist (any more) in the /proc being read.</summary>
public sealed class ProcessGoneException : AgentException
{
    /// <summary>Creates the exception for <paramref name="pid"/>.</summary>
    /// <param name="pid">The PID that was read.</param>
    /// <param name="file">The /proc file that could not be read.</param>
    /// <param name="innerException">The I/O error behind it.</param>
    public ProcessGoneException(int pid, string file, Exception? innerException = null)
        : base($"process {pid} does not exist (reading {file})", innerException)
    {
        Pid = pid;
    }

    /// <summary>The PID that was read.</summary>
    public int Pid { get; }
}
