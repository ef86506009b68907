namespace Cryo.Agent.Store;

/// <summary>A committed checkpoint with this key is already in the store; checkpoints are never overwritten.</summary>
public sealed class CheckpointAlreadyExistsException : CheckpointStoreException
{
    /// <summary>Creates the exception for the key that exists.</summary>
    public CheckpointAlreadyExistsException(CheckpointKey key, string directory)
        : base($"checkpoint {key} already exists in the store at {directory}")
    {
        Key = key;
        Directory = directory;
    }

    /// <summary>The key of the existing checkpoint.</summary>
    public CheckpointKey Key { get; }

    /// <summary>The directory of the existing checkpoint.</summary>
    public string Directory { get; }
}
