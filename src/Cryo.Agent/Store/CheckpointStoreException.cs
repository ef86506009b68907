namespace Cryo.Agent.Store;

/// <summary>Base of every error the checkpoint image store raises, so callers can map them in one place.</summary>
public class CheckpointStoreException : Exception
{
    /// <summary>Creates the exception with a message and an optional cause.</summary>
    public CheckpointStoreException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
