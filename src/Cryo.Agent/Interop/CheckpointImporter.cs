using System.Formats.Tar;
using System.Text.Json;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;

namespace Cryo.Agent.Interop;

/// <summary>
/// Takes a container checkpoint archive in the kubelet's layout (<see cref="KubeletArchiveLayout"/>: one the
/// kubelet's <c>/checkpoint</c> endpoint had CRI-O or containerd write, or one Cryo exported) into the store as a
/// checkpoint: CRIU's images into <c>images/</c>, <c>rootfs-diff.tar</c> and <c>deleted.files</c> into Cryo's layer
/// archive (deletions as whiteouts), <c>devshm-checkpoint.tar</c> as the <c>/dev/shm</c> archive, <c>dump.log</c>
/// into <c>logs/</c>. The manifest is Cryo's own when the archive carries it (<c>cryo-manifest.json</c>), else built
/// from the images (process tree, external mounts), runc's <c>descriptors.json</c> and the dumps. Every file's
/// checksum is computed as it is committed. The archive is read as a stream, once; anything wrong with it
/// (an unsafe name, a link, a missing process tree) refuses the import and leaves nothing in the store.
/// </summary>
/// <remarks>
/// An imported checkpoint restores into a container (a restore pod's placeholder), which gives its mounts' sources
/// and its root: the host paths of the node that made the archive (its root path, the external mounts' sources)
/// are not taken from the archive.
/// </remarks>
public sealed class CheckpointImporter(ImageStore store, string nodeName)
{
    /// <summary>Extra key recording where an imported checkpoint came from (<see cref="FromCryo"/> or <see cref="FromKubelet"/>).</summary>
    public const string ImportedFromKey = "imported.from";

    /// <summary>The archive carried Cryo's manifest (a Cryo export).</summary>
    public const string FromCryo = "cryo-export";

    /// <summary>The archive was a runtime's (CRI-O, containerd, Podman): the manifest was built from the images.</summary>
    public const string FromKubelet = "kubelet-archive";

    /// <summary>
    /// The key runc's dumps give every masked path that is a file (a bind mount of <c>/dev/null</c>, such as
    /// <c>/proc/kcore</c>), and under which its restore binds <c>/dev/null</c> back.
    /// </summary>
    public const string RuncMaskedPathKey = "/dev/null";

    private const int MaxDocumentBytes = 16 << 20;
    private const string RawDiffName = "import-rootfs-diff.tar";

    /// <summary>Reads the archive from <paramref name="archive"/> and commits it under <paramref name="key"/>.</summary>
    /// <exception cref="ArchiveInvalidException">The archive is not a usable checkpoint archive.</exception>
    /// <exception cref="CheckpointAlreadyExistsException">A checkpoint with this namespace and name exists.</exception>
    public async Task<ImportResult> ImportAsync(Stream archive, CheckpointKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(key);
        if (store.FindByName(key.Namespace, key.Name) is { Count: > 0 } existing)
        {
            throw new CheckpointAlreadyExistsException(existing[0].Key);
        }

        using var pending = store.Begin(key);
        var read = new ArchiveContents();
        try
        {
            await using var reader = new TarReader(archive, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                await ReceiveAsync(entry, pending, read, cancellationToken);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new ArchiveInvalidException(string.Empty, $"is not a readable tar ({e.Message}): give the .tar file the kubelet's /checkpoint or 'kubectl cryo export' wrote, uncompressed", e);
        }

        if (!File.Exists(Path.Combine(pending.ImagesDirectory, CriuImageFiles.ProcessTree)) || !File.Exists(Path.Combine(pending.ImagesDirectory, CriuImageFiles.Inventory)))
        {
            throw new ArchiveInvalidException(KubeletArchiveLayout.CheckpointDirectory + "/",
                $"holds no CRIU images ({CriuImageFiles.Inventory} and {CriuImageFiles.ProcessTree} are missing): the archive must hold a checkpoint/ directory with CRIU's dump");
        }

        var manifest = read.CryoManifest is { } cryo ? FromCryoManifest(cryo, key) : FromImages(pending.ImagesDirectory, read, key);
        manifest.Filesystem.WritableLayerArchive = null;
        manifest.Filesystem.ShmArchive = null;
        var rawDiff = Path.Combine(pending.Directory, RawDiffName);
        if (File.Exists(rawDiff) || read.DeletedFiles.Count > 0)
        {
            await LayerConversion.FromKubeletAsync(File.Exists(rawDiff) ? rawDiff : null, read.DeletedFiles,
                Path.Combine(pending.Directory, FilesystemCapture.WritableLayerArchive), cancellationToken);
            File.Delete(rawDiff);
            manifest.Filesystem.WritableLayerArchive = FilesystemCapture.WritableLayerArchive;
            manifest.Filesystem.WritableLayerSkipped = false;
            manifest.Filesystem.WritableLayerNote = null;
        }
        else if (manifest.Filesystem.WritableLayerNote is null)
        {
            manifest.Filesystem.WritableLayerNote = "the archive held no rootfs-diff.tar: the container's files are those of its image";
        }

        if (File.Exists(Path.Combine(pending.Directory, FilesystemCapture.ShmArchive)))
        {
            manifest.Filesystem.ShmArchive = FilesystemCapture.ShmArchive;
        }

        // Every file received was hashed as it landed: the commit takes those digests, and hashes only what the
        // import made itself (the layer archive).
        manifest.Files = [.. read.Received, await Task.Run(() => IndexPages(pending, read.PageDigests, cancellationToken), cancellationToken)];
        var stored = await store.CommitAsync(pending, manifest, cancellationToken);
        return new ImportResult(stored, manifest.Extra[ImportedFromKey], read.Ignored);
    }

    // The hash of every page, kept beside the manifest as a dump keeps it: an increment of the imported checkpoint
    // compares against it without reading these pages again. From the page digests made as the pages images landed.
    private static ManifestFile IndexPages(PendingCheckpoint pending, IReadOnlyCollection<PagesImageDigests> pageDigests, CancellationToken cancellationToken)
    {
        try
        {
            return pending.WritePageIndex(PageHashIndex.Build(pending.ImagesDirectory, PageDigests.Instance, pageDigests, cancellationToken));
        }
        catch (CriuImageFormatException e)
        {
            throw new ArchiveInvalidException(KubeletArchiveLayout.CheckpointDirectory + "/" + Path.GetFileName(e.ImagePath),
                $"is not a pagemap or pages image this agent reads ({e.Message})", e);
        }
    }

    private static async Task ReceiveAsync(TarEntry entry, PendingCheckpoint pending, ArchiveContents read, CancellationToken cancellationToken)
    {
        var name = Normalize(entry.Name);
        if (name.Length == 0 || (name == KubeletArchiveLayout.CheckpointDirectory && entry.EntryType == TarEntryType.Directory))
        {
            return;
        }

        if (entry.EntryType == TarEntryType.Directory)
        {
            read.Ignored.Add(name + "/");
            return;
        }

        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
        {
            throw new ArchiveInvalidException(name, $"is a {entry.EntryType}: the archive may hold only regular files and directories" +
                (name == KubeletArchiveLayout.CheckpointDirectory + "/" + CriuImageFiles.ParentLink ? " (this is an incremental dump's parent link: export a full checkpoint)" : string.Empty));
        }

        if (name.StartsWith(KubeletArchiveLayout.CheckpointDirectory + "/", StringComparison.Ordinal))
        {
            var file = name[(KubeletArchiveLayout.CheckpointDirectory.Length + 1)..];
            if (file.Contains('/', StringComparison.Ordinal))
            {
                throw new ArchiveInvalidException(name, "is in a directory under checkpoint/: CRIU's image directory is flat");
            }

            await ReceiveFileAsync(entry, pending, StorePaths.ImagesDirectoryName + "/" + file, read, cancellationToken);
            if (file == KubeletArchiveLayout.Descriptors)
            {
                read.Descriptors = Parse(name, await File.ReadAllBytesAsync(Path.Combine(pending.ImagesDirectory, file), cancellationToken), ArchiveJsonContext.Default.ListString);
            }

            return;
        }

        switch (name)
        {
            case KubeletArchiveLayout.ConfigDump:
                read.Config = Parse(name, await ReadSmallAsync(entry, cancellationToken), ArchiveJsonContext.Default.ContainerConfigDump);
                break;
            case KubeletArchiveLayout.SpecDump:
                read.Spec = Parse(name, await ReadSmallAsync(entry, cancellationToken), ArchiveJsonContext.Default.RuntimeSpecDump);
                break;
            case KubeletArchiveLayout.DeletedFiles:
                read.DeletedFiles = Parse(name, await ReadSmallAsync(entry, cancellationToken), ArchiveJsonContext.Default.ListString) ?? [];
                break;
            case KubeletArchiveLayout.CryoManifest:
                var bytes = await ReadSmallAsync(entry, cancellationToken);
                try
                {
                    read.CryoManifest = ManifestSerializer.Deserialize(bytes, name);
                }
                catch (CheckpointStoreException e)
                {
                    throw new ArchiveInvalidException(name, $"is not a manifest this agent reads ({e.Message})", e);
                }

                break;
            case KubeletArchiveLayout.RootfsDiff:
                await CopyAsync(entry, Path.Combine(pending.Directory, RawDiffName), cancellationToken);
                break;
            case KubeletArchiveLayout.DevShm:
                await ReceiveFileAsync(entry, pending, FilesystemCapture.ShmArchive, read, cancellationToken);
                break;
            case KubeletArchiveLayout.DumpLog:
                await ReceiveFileAsync(entry, pending, StorePaths.LogsDirectoryName + "/" + CriuImageFiles.DumpLog, read, cancellationToken);
                break;
            case KubeletArchiveLayout.StatsDump:
                await ReceiveFileAsync(entry, pending, StorePaths.ImagesDirectoryName + "/" + CriuImageFiles.DumpStats, read, cancellationToken);
                break;
            default:
                // network.status, bind.mounts, containerd's status, and whatever a newer runtime adds: not needed to restore.
                read.Ignored.Add(name);
                break;
        }
    }

    // A manifest Cryo exported: the same checkpoint under its new key, without the source node's host paths.
    private CheckpointManifest FromCryoManifest(CheckpointManifest exported, CheckpointKey key)
    {
        if (exported.Increment is not null)
        {
            throw new ArchiveInvalidException(KubeletArchiveLayout.CryoManifest, "describes an increment: export a full checkpoint");
        }

        exported.Key = key;
        exported.Files = [];
        exported.Source.RootPath = null;
        exported.Source.ExternalSources = [];
        exported.Extra[ImportedFromKey] = FromCryo;
        exported.Extra[ManifestExtraKeys.NodeName] = nodeName;
        exported.Extra.Remove(ManifestExtraKeys.ParentCheckpoint);
        return exported;
    }

    // A runtime's archive: what restoring into a container needs, from the images and runc's records.
    private CheckpointManifest FromImages(string imagesDirectory, ArchiveContents read, CheckpointKey key)
    {
        CriuTreeImages tree;
        try
        {
            tree = CriuTreeImages.Read(imagesDirectory);
        }
        catch (CriuImageFormatException e)
        {
            throw new ArchiveInvalidException(KubeletArchiveLayout.CheckpointDirectory + "/" + Path.GetFileName(e.ImagePath), $"is not a CRIU image this agent reads ({e.Message})", e);
        }

        if (tree.ExternalNetworkNamespaces.Count > 1)
        {
            throw new ArchiveInvalidException(KubeletArchiveLayout.CheckpointDirectory + "/" + CriuImageFiles.NetnsPrefix + "*" + CriuImageFiles.ImageSuffix,
                $"declares {tree.ExternalNetworkNamespaces.Count} network namespaces external ({string.Join(", ", tree.ExternalNetworkNamespaces)}): a restore into a pod can hand over one, the pod's");
        }

        var spec = read.Spec;
        var config = read.Config;
        if (spec?.Process?.Terminal == true)
        {
            // runc dumps a tty container's terminal as a pty whose other end the runtime's shim held; restoring it needs
            // a new pty handed to CRIU under the old one's identity (tty[RDEV:DEV]), which Cryo records in its own
            // manifest at dump but cannot take from a runtime's archive. Refused here rather than failing every restore.
            throw new ArchiveInvalidException(KubeletArchiveLayout.SpecDump,
                "says the container had a terminal (process.terminal: true), and Cryo restores a terminal only for checkpoints it took itself, " +
                "which record the terminal's identity: checkpoint the container with Cryo ('kubectl cryo checkpoint POD'), or run it without 'tty: true'");
        }

        var manifest = new CheckpointManifest
        {
            Key = key,
            CreatedAt = config?.CheckpointedTime ?? config?.CreatedTime ?? DateTimeOffset.UtcNow,
            Source = new ManifestSource
            {
                Kind = CheckpointSourceKind.Container,
                InNamespacePid = tree.Processes[0].Pid,
                ContainerId = config?.Id is { Length: > 0 } id ? id : null,
                ExternalMounts = new Dictionary<string, string>(tree.ExternalMounts, StringComparer.Ordinal),
                DevNullMountKeys = [.. tree.ExternalMounts.Keys.Where(k => k == RuncMaskedPathKey)],
                // runc dumps from outside the container: the pod's network namespace is in the images as external.
                ExternalNetworkNamespaceKey = tree.ExternalNetworkNamespaces.Count > 0 ? tree.ExternalNetworkNamespaces[0] : null,
                // The pod's sandbox gave the tree its network, UTS and IPC namespaces; a mount namespace of its own always.
                OwnNamespaces = ["net", "uts", "ipc", "mnt"],
                Hostname = spec?.Hostname,
                Processes = [.. tree.Processes.Select(p => new ManifestProcess
                {
                    Pid = p.Pid,
                    Ppid = p.Ppid,
                    CommandLine = p.Pid == tree.Processes[0].Pid && spec?.Process?.Args is { Count: > 0 } args ? args : (p.Command.Length > 0 ? [p.Command] : []),
                })],
                StdoutIdentity = read.Descriptors?.ElementAtOrDefault(1),
                StderrIdentity = read.Descriptors?.ElementAtOrDefault(2),
            },
            Criu = new ManifestCriu { Version = "unknown (imported)", KernelRelease = string.Empty },
            Options = new ManifestOptions
            {
                LeaveRunning = true,
                // What the runtime dumped with is not recorded; both only allow a restore of what the images hold.
                TcpEstablished = true,
                FileLocks = true,
                Externals = [.. tree.ExternalMounts.Select(m => $"mnt[{m.Value}]:{m.Key}")],
            },
            ProcessCount = tree.Processes.Count,
        };
        var image = config?.RootfsImageName is { Length: > 0 } named ? named : config?.RootfsImage ?? spec?.Annotation(RuntimeSpecDump.CriOImageNameAnnotation) ?? string.Empty;
        ManifestExtraKeys.Record(manifest.Extra, new WorkloadMetadata(
            spec?.Annotation(RuntimeSpecDump.PodNameAnnotation) ?? string.Empty,
            spec?.Annotation(RuntimeSpecDump.PodUidAnnotation) ?? string.Empty,
            spec?.Annotation(RuntimeSpecDump.ContainerNameAnnotation) is { Length: > 0 } container ? container : config?.Name ?? string.Empty,
            image), nodeName, parentCheckpoint: null);
        manifest.Extra[ImportedFromKey] = FromKubelet;
        return manifest;
    }

    private static string Normalize(string name)
    {
        var components = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".").ToArray();
        if (name.StartsWith('/') || components.Contains("..") || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArchiveInvalidException(name, "has an absolute name or a '..' component: entries must be relative and stay inside the archive");
        }

        return string.Join('/', components);
    }

    // A file of the checkpoint, hashed as it lands (a pages image by its pages, whose digests the page index takes).
    private static async Task ReceiveFileAsync(TarEntry entry, PendingCheckpoint pending, string relativePath, ArchiveContents read, CancellationToken cancellationToken)
    {
        var ofPages = relativePath.StartsWith(StorePaths.ImagesDirectoryName + "/", StringComparison.Ordinal) && CriuImageFiles.IsPagesImage(Path.GetFileName(relativePath));
        await using var file = Create(entry, pending.ResolveFile(relativePath));
        await using var hashing = new ChunkHashingStream(file, ChunkedSha256.DefaultChunkSize, ofPages ? DigestAlgorithms.Sha256OfPages : null);
        await CopyAsync(entry, hashing, cancellationToken);
        read.Received.Add(hashing.Entry(relativePath));
        if (hashing.PageDigestsOf(Path.GetFileName(relativePath)) is { } pages)
        {
            read.PageDigests.Add(pages);
        }
    }

    private static async Task CopyAsync(TarEntry entry, string path, CancellationToken cancellationToken)
    {
        await using var file = Create(entry, path);
        await CopyAsync(entry, file, cancellationToken);
    }

    private static async Task CopyAsync(TarEntry entry, Stream file, CancellationToken cancellationToken)
    {
        if (entry.DataStream is { } data)
        {
            await data.CopyToAsync(file, 1 << 20, cancellationToken);
        }
    }

    private static FileStream Create(TarEntry entry, string path)
    {
        if (File.Exists(path))
        {
            throw new ArchiveInvalidException(entry.Name, "appears twice: each entry of the layout may appear once");
        }

        return OwnerOnlyFile.Create(path, FileMode.CreateNew, bufferSize: 1 << 16);
    }

    private static async Task<byte[]> ReadSmallAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Length > MaxDocumentBytes)
        {
            throw new ArchiveInvalidException(entry.Name, $"is {entry.Length} bytes, more than a metadata document may be ({MaxDocumentBytes})");
        }

        using var buffer = new MemoryStream((int)entry.Length);
        if (entry.DataStream is { } data)
        {
            await data.CopyToAsync(buffer, cancellationToken);
        }

        return buffer.ToArray();
    }

    private static T? Parse<T>(string entry, byte[] json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type);
        }
        catch (JsonException e)
        {
            throw new ArchiveInvalidException(entry, $"is not the JSON document the layout defines ({e.Message})", e);
        }
    }

    private sealed class ArchiveContents
    {
        public ContainerConfigDump? Config { get; set; }

        public RuntimeSpecDump? Spec { get; set; }

        public List<string> DeletedFiles { get; set; } = [];

        public List<string>? Descriptors { get; set; }

        public CheckpointManifest? CryoManifest { get; set; }

        public List<string> Ignored { get; } = [];

        /// <summary>The entries of the files received, hashed as they landed.</summary>
        public List<ManifestFile> Received { get; } = [];

        /// <summary>The page digests of the pages images received.</summary>
        public List<PagesImageDigests> PageDigests { get; } = [];
    }
}
