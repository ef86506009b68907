using Cryo.Agent.Operations;

namespace Cryo.Agent.Store;

/// <summary>
/// Base of every error the checkpoint image store raises. One raised as this type itself (not a subtype) is a
/// store that cannot be trusted, such as a symbolic link among a pending checkpoint's files: a bug or tampering.
/// </summary>
public class CheckpointStoreException : AgentException
{
    /// <summary>Creates the exception with a message and an optional cause.</summary>
    public CheckpointStoreException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
