using Cryo.Agent.Operations;

namespace Cryo.Agent.Store;

/// <summary>
/// <see cref="ICheckpointCatalog"/> over the image store: finds committed manifests, deletes by name.
/// A checkpoint whose manifest cannot be read is left out of lists (and logged), not allowed to hide the rest.
/// </summary>
public sealed class ImageStoreCatalog(ImageStore store, ILogger<ImageStoreCatalog> logger) : ICheckpointCatalog
{
    /// <inheritdoc />
    public string RootPath => store.RootDirectory;

    /// <inheritdoc />
    public Task<IReadOnlyList<CheckpointRecord>> ListAsync(string? @namespace, CancellationToken cancellationToken)
    {
        var records = new List<CheckpointRecord>();
        foreach (var stored in store.List(@namespace))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryRead(stored) is { } record)
            {
                records.Add(record);
            }
        }

        return Task.FromResult<IReadOnlyList<CheckpointRecord>>(records);
    }

    /// <inheritdoc />
    public Task<CheckpointRecord?> FindAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        // Normally one; after a Checkpoint object was recreated under the same name, the newest wins.
        var newest = store.FindByName(@namespace, name)
            .Select(ToRecord)
            .OrderByDescending(record => record.Manifest.CreatedAt)
            .FirstOrDefault();
        return Task.FromResult(newest);
    }

    /// <inheritdoc />
    public Task<DeleteOutcome> DeleteAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var deleted = false;
        long freed = 0;
        var found = store.FindByName(@namespace, name);
        // A parent cannot disappear under its children: their images read its pages through their parent links.
        var children = found.SelectMany(stored => CheckpointChain.ChildrenOf(store, stored.Key)).Select(child => child.Key.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        if (children.Count > 0)
        {
            throw new CheckpointHasChildrenException(@namespace, name, children);
        }

        foreach (var stored in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var size = stored.SizeBytes;
            if (store.Delete(stored.Key))
            {
                deleted = true;
                freed += size;
            }
        }

        return Task.FromResult(new DeleteOutcome(deleted, freed));
    }

    /// <inheritdoc />
    public StoreSpace GetSpace() => store.GetSpace();

    private CheckpointRecord? TryRead(StoredCheckpoint stored)
    {
        try
        {
            return ToRecord(stored);
        }
        catch (Exception ex) when (ex is CheckpointStoreException or IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(ex, "skipping {Checkpoint}: its manifest cannot be read", stored);
            return null;
        }
    }

    private CheckpointRecord ToRecord(StoredCheckpoint stored) => CheckpointRecord.Of(stored, store.RootDirectory);
}
