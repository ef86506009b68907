using System.Formats.Tar;
using System.Text.Json;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Restoring;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;

namespace Cryo.Agent.Interop;

/// <summary>
/// Writes a committed checkpoint as a container checkpoint archive in the kubelet's layout
/// (<see cref="KubeletArchiveLayout"/>), the one checkpointctl reads and CRI-O and containerd restore from:
/// <c>config.dump</c>, <c>spec.dump</c>, CRIU's images under <c>checkpoint/</c> (with runc's <c>descriptors.json</c>),
/// the writable layer as <c>rootfs-diff.tar</c> and <c>deleted.files</c>, <c>/dev/shm</c> as
/// <c>devshm-checkpoint.tar</c>, <c>dump.log</c>, <c>stats-dump</c>, and Cryo's own manifest as
/// <c>cryo-manifest.json</c>. The archive is an uncompressed PAX tar streamed as it is written; only the layer's
/// conversion passes through a scratch file in the store's temporary area.
/// </summary>
public sealed class CheckpointExporter(ImageStore store)
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes <paramref name="checkpoint"/> to <paramref name="output"/> (left open). An increment is written whole (its
    /// parents' pages copied in, <see cref="ImageChainFlattener"/>) and page images compressed at rest are written
    /// decompressed, checked against their digests as they are read: an archive holds plain CRIU images that any
    /// runtime restores without Cryo's store.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">A parent is missing from the store, or a compressed image differs from its manifest.</exception>
    public async Task<LayerExport?> ExportAsync(StoredCheckpoint checkpoint, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(output);
        var manifest = checkpoint.Manifest;
        var chain = CheckpointChain.Of(store, checkpoint);
        var scratch = store.CreateScratchDirectory(checkpoint.Key);
        DecompressedChain? decompressed = null;
        try
        {
            if (DecompressedChain.IsNeeded(chain))
            {
                decompressed = await Task.Run(() => DecompressedChain.CreateAsync(store, chain, Environment.ProcessorCount, cancellationToken), cancellationToken);
            }

            var images = ImagesOf(decompressed?.ImagesDirectory ?? checkpoint.ImagesDirectory, chain.Count > 1 ? Path.Combine(scratch, "images") : null, cancellationToken);
            await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
            var stamp = manifest.CreatedAt;
            await WriteJsonAsync(tar, KubeletArchiveLayout.ConfigDump, JsonSerializer.SerializeToUtf8Bytes(ConfigOf(manifest), ArchiveJsonContext.Default.ContainerConfigDump), stamp, cancellationToken);
            await WriteJsonAsync(tar, KubeletArchiveLayout.SpecDump, JsonSerializer.SerializeToUtf8Bytes(SpecOf(manifest), ArchiveJsonContext.Default.RuntimeSpecDump), stamp, cancellationToken);
            if (chain.Count == 1 && decompressed is null)
            {
                await tar.WriteEntryAsync(checkpoint.ManifestPath, KubeletArchiveLayout.CryoManifest, cancellationToken);
            }
            else
            {
                await WriteJsonAsync(tar, KubeletArchiveLayout.CryoManifest, ManifestSerializer.Serialize(AsWritten(manifest)), stamp, cancellationToken);
            }

            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, KubeletArchiveLayout.CheckpointDirectory + "/")
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                ModificationTime = stamp,
            }, cancellationToken);
            foreach (var (name, path) in images)
            {
                await tar.WriteEntryAsync(path, KubeletArchiveLayout.CheckpointDirectory + "/" + name, cancellationToken);
            }

            if (!images.ContainsKey(KubeletArchiveLayout.Descriptors))
            {
                await WriteJsonAsync(tar, KubeletArchiveLayout.CheckpointDirectory + "/" + KubeletArchiveLayout.Descriptors,
                    JsonSerializer.SerializeToUtf8Bytes(DescriptorsOf(manifest), ArchiveJsonContext.Default.ListString), stamp, cancellationToken);
            }

            LayerExport? layer = null;
            if (manifest.Filesystem.WritableLayerArchive is { } layerArchive)
            {
                var diff = Path.Combine(scratch, KubeletArchiveLayout.RootfsDiff);
                layer = await LayerConversion.ToKubeletAsync(checkpoint.ResolveFile(layerArchive), diff, cancellationToken);
                await tar.WriteEntryAsync(diff, KubeletArchiveLayout.RootfsDiff, cancellationToken);
                await WriteJsonAsync(tar, KubeletArchiveLayout.DeletedFiles,
                    JsonSerializer.SerializeToUtf8Bytes([.. layer.DeletedFiles], ArchiveJsonContext.Default.ListString), stamp, cancellationToken);
            }

            if (manifest.Filesystem.ShmArchive is { } shm)
            {
                await tar.WriteEntryAsync(checkpoint.ResolveFile(shm), KubeletArchiveLayout.DevShm, cancellationToken);
            }

            foreach (var (file, entry) in new[] { (CriuImageFiles.DumpLog, KubeletArchiveLayout.DumpLog), (CriuImageFiles.DumpStats, KubeletArchiveLayout.StatsDump) })
            {
                var path = new[] { checkpoint.ImagesDirectory, checkpoint.LogsDirectory }.Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists);
                if (path is not null)
                {
                    await tar.WriteEntryAsync(path, entry, cancellationToken);
                }
            }

            return layer;
        }
        finally
        {
            decompressed?.Dispose();
            ImageStore.DeleteEntry(scratch);
        }
    }

    // The images the archive holds, by name, in name order: those of the images directory CRIU would read (the
    // decompressed copy, if any) without logs and stats; for an increment, its pagemaps and pages images written whole
    // into flatDirectory in place of its own, and no parent link.
    private static SortedDictionary<string, string> ImagesOf(string imagesDirectory, string? flatDirectory, CancellationToken cancellationToken)
    {
        var images = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(imagesDirectory))
        {
            var name = Path.GetFileName(path);
            var replaced = flatDirectory is not null && (CriuImageFiles.IsAnyPageMapImage(name) || CriuImageFiles.IsPagesImage(name));
            if (!CriuImageFiles.IsLogOrStats(name) && name != CriuImageFiles.ParentLink && !replaced)
            {
                images[name] = path;
            }
        }

        if (flatDirectory is not null)
        {
            Directory.CreateDirectory(flatDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using var chain = ImageChain.Open(imagesDirectory);
            foreach (var name in ImageChainFlattener.Flatten(chain, flatDirectory, cancellationToken))
            {
                images[name] = Path.Combine(flatDirectory, name);
            }
        }

        return images;
    }

    // Cryo's manifest of what the archive holds: a full checkpoint with plain images. Its file list described the
    // stored files, which the archive does not hold as they are: an import lists and hashes the files it receives.
    private static CheckpointManifest AsWritten(CheckpointManifest manifest)
    {
        var written = ManifestSerializer.Deserialize(ManifestSerializer.Serialize(manifest), "the exported manifest");
        written.Increment = null;
        written.Files = [];
        written.Options.Compression = null;
        written.Extra.Remove(ManifestExtraKeys.ParentCheckpoint);
        written.SchemaVersion = written.RequiredSchemaVersion;
        return written;
    }

    private static async Task WriteJsonAsync(TarWriter tar, string name, byte[] json, DateTimeOffset stamp, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream(json, writable: false);
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data, Mode = PrivateFile, ModificationTime = stamp }, cancellationToken);
    }

    /// <summary>config.dump from the manifest: the container's ID and name, its image, the times.</summary>
    public static ContainerConfigDump ConfigOf(CheckpointManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var workload = ManifestExtraKeys.WorkloadOf(manifest.Extra);
        var image = workload.Image.Length > 0 ? workload.Image : null;
        return new ContainerConfigDump
        {
            Id = manifest.Source.ContainerId ?? manifest.Key.Uid,
            Name = workload.ContainerName.Length > 0 ? workload.ContainerName : manifest.Key.Name,
            RootfsImage = image,
            RootfsImageRef = image,
            RootfsImageName = image,
            Runtime = "runc",
            CreatedTime = manifest.CreatedAt,
            CheckpointedTime = manifest.CreatedAt,
        };
    }

    /// <summary>spec.dump from the manifest: the root's command line, the host name, the external mounts, the pod's annotations.</summary>
    public static RuntimeSpecDump SpecOf(CheckpointManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var workload = ManifestExtraKeys.WorkloadOf(manifest.Extra);
        var root = manifest.Source.Processes.FirstOrDefault(p => p.Pid == manifest.Source.InNamespacePid) ?? manifest.Source.Processes.FirstOrDefault();
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RuntimeSpecDump.PodNamespaceAnnotation] = manifest.Key.Namespace,
        };
        AddIfSet(annotations, RuntimeSpecDump.PodNameAnnotation, workload.PodName);
        AddIfSet(annotations, RuntimeSpecDump.PodUidAnnotation, workload.PodUid);
        AddIfSet(annotations, RuntimeSpecDump.ContainerNameAnnotation, workload.ContainerName);
        AddIfSet(annotations, RuntimeSpecDump.CriOImageNameAnnotation, workload.Image);
        return new RuntimeSpecDump
        {
            Process = new RuntimeSpecProcess { Terminal = manifest.Source.HasControllingTerminal, Args = root?.CommandLine ?? [] },
            Root = new RuntimeSpecRoot(),
            Hostname = manifest.Source.Hostname,
            Mounts = [.. manifest.Source.ExternalMounts.OrderBy(m => m.Value, StringComparer.Ordinal).Select(m => new RuntimeSpecMount
            {
                Destination = m.Value,
                Type = "bind",
                Source = manifest.Source.ExternalSources.GetValueOrDefault(m.Key),
                Options = ["rbind"],
            })],
            Annotations = annotations,
        };
    }

    // What runc records of the root's standard streams; standard input is not kept by Cryo.
    private static List<string> DescriptorsOf(CheckpointManifest manifest) =>
        ["/dev/null", manifest.Source.StdoutIdentity ?? "/dev/null", manifest.Source.StderrIdentity ?? "/dev/null"];

    private static void AddIfSet(Dictionary<string, string> annotations, string key, string value)
    {
        if (value.Length > 0)
        {
            annotations[key] = value;
        }
    }
}
