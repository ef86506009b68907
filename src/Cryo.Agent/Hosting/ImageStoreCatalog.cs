using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Hosting;

/// <summary>
/// <see cref="ICheckpointCatalog"/> over the image store: reads manifests into records, deletes by name.
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
            .OrderByDescending(record => record.CreatedAt)
            .FirstOrDefault();
        return Task.FromResult(newest);
    }

    /// <inheritdoc />
    public Task<DeleteOutcome> DeleteAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var deleted = false;
        long freed = 0;
        foreach (var stored in store.FindByName(@namespace, name))
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
    public StoreCapacity GetSpace()
    {
        var space = store.GetSpace();
        return new StoreCapacity(space.TotalBytes, space.AvailableBytes);
    }

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

    private CheckpointRecord ToRecord(StoredCheckpoint stored)
    {
        var manifest = stored.Manifest;
        var extra = manifest.Extra;
        var source = manifest.Source;
        return new CheckpointRecord(
            Namespace: stored.Key.Namespace,
            Name: stored.Key.Name,
            OperationId: stored.Key.Uid,
            Location: Path.GetRelativePath(store.RootDirectory, stored.Directory),
            SizeBytes: stored.SizeBytes,
            CreatedAt: manifest.CreatedAt,
            NodeName: Extra(extra, ManifestExtraKeys.NodeName),
            CriuVersion: manifest.Criu.Version,
            KernelRelease: manifest.Criu.KernelRelease,
            Workload: new WorkloadMetadata(
                Extra(extra, ManifestExtraKeys.PodName), Extra(extra, ManifestExtraKeys.PodUid),
                Extra(extra, ManifestExtraKeys.ContainerName), Extra(extra, ManifestExtraKeys.Image)),
            Options: new RecordedOptions(manifest.Options.LeaveRunning, manifest.Options.TcpEstablished, manifest.Options.FileLocks, manifest.Options.ShellJob,
                manifest.Options.SkipRootFilesystem),
            Freeze: TimeSpan.FromMilliseconds(manifest.Timings.FreezeMs),
            Dump: TimeSpan.FromMilliseconds(manifest.Timings.DumpMs),
            Total: TimeSpan.FromMilliseconds(manifest.Timings.TotalMs),
            ProcessCount: manifest.ProcessCount,
            MemoryPagesBytes: manifest.MemoryPagesBytes,
            ParentCheckpoint: extra.TryGetValue(ManifestExtraKeys.ParentCheckpoint, out var parent) && parent.Length > 0 ? parent : null,
            Source: new RecordedSource(
                source.ContainerId,
                source.HostPid,
                [.. source.Cgroups.Select(c => $"{c.Hierarchy}:{c.Controllers}:{c.Path}")],
                new Dictionary<string, string>(source.Namespaces),
                [.. source.ExternalMounts.Values]),
            Processes: [.. source.Processes.Select(p => new RecordedProcess(p.Pid, p.Ppid, p.HostPid, [.. p.CommandLine]))],
            Files: [.. manifest.Files.Select(f => new RecordedFile(f.Path, f.Size, f.Sha256, f.ChunkSize ?? 0, f.ChunkSha256 ?? []))],
            ManifestVersion: manifest.SchemaVersion);
    }

    private static string Extra(Dictionary<string, string> extra, string key) =>
        extra.TryGetValue(key, out var value) ? value : string.Empty;
}
