using Cryo.Agent.Store;

namespace Cryo.Agent.Operations;

/// <summary>
/// The committed checkpoints in the image store, as the gRPC layer reads and deletes them. Only committed
/// checkpoints are ever seen here.
/// </summary>
public interface ICheckpointCatalog
{
    /// <summary>The committed checkpoints, optionally of one namespace, ordered by namespace then name.</summary>
    /// <param name="namespace">Only this namespace, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels reading manifests.</param>
    Task<IReadOnlyList<CheckpointRecord>> ListAsync(string? @namespace, CancellationToken cancellationToken);

    /// <summary>The committed checkpoint with this namespace and name, or <see langword="null"/>.</summary>
    Task<CheckpointRecord?> FindAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>Deletes the checkpoint's directory; a missing checkpoint is not an error.</summary>
    /// <returns>Whether something was deleted and how many bytes were freed.</returns>
    Task<DeleteOutcome> DeleteAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>Capacity and free space of the filesystem holding the store.</summary>
    StoreSpace GetSpace();

    /// <summary>The store's root directory.</summary>
    string RootPath { get; }
}
