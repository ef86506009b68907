namespace Cryo.Agent.Store;

/// <summary>
/// A committed checkpoint with this namespace and name exists (ALREADY_EXISTS): checkpoints are never overwritten. The
/// same operation repeated is not an error (it gets the first result); another operation, an import or a pull of the
/// same name is refused with this.
/// </summary>
public sealed class CheckpointAlreadyExistsException : CheckpointStoreException
{
    /// <summary>Creates the exception for the checkpoint that exists.</summary>
    /// <param name="existing">The existing checkpoint's key: its namespace, name and the operation that made it.</param>
    public CheckpointAlreadyExistsException(CheckpointKey existing)
        : base($"checkpoint {existing.Namespace}/{existing.Name} already exists (made by operation {existing.Uid}); delete it or choose another name")
    {
        Key = existing;
    }

    /// <summary>The existing checkpoint's key.</summary>
    public CheckpointKey Key { get; }
}
