using System.Collections.Concurrent;
using Cryo.Agent.Operations;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Store;

/// <summary>
/// The checkpoint images on the checkpoint volume:
/// <c>&lt;root&gt;/&lt;namespace&gt;/&lt;name&gt;-&lt;uid&gt;/{manifest.json,images/,logs/}</c>, directories 0700
/// and files 0600 (the images hold every memory page of the workload, secrets included).
/// A checkpoint is written into <c>&lt;root&gt;/.tmp/&lt;owner&gt;/&lt;namespace&gt;.&lt;name&gt;-&lt;uid&gt;.&lt;random&gt;/</c>
/// (owner: the node, see <see cref="ImageStoreOptions.OwnerId"/>) and appears under its name only through one
/// atomic rename, after its manifest is on disk: a checkpoint that is not committed does not exist.
/// </summary>
/// <example>
/// <code>
/// using var pending = store.Begin(new CheckpointKey("default", "warm-jvm", uid));
/// await using var hasher = pending.StartHashingImages(ct);
/// await criu.DumpAsync(imagesDirectory: pending.ImagesDirectory, …, ct);
/// manifest.Files = [.. await hasher.CompleteAsync(ct)];
/// var stored = await store.CommitAsync(pending, manifest, ct); // disposing `pending` uncommitted removes it
/// </code>
/// </example>
public sealed class ImageStore
{
    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly StorePaths paths;
    private readonly ImageStoreOptions options;

    // Temporary directories of this process's checkpoints in progress, which RecoverAbandoned must spare.
    private readonly ConcurrentDictionary<string, PendingCheckpoint> inProgress = new(StringComparer.Ordinal);
    // Scratch directories of this process's work on committed checkpoints (a compressed chain decompressed for a restore).
    private readonly ConcurrentDictionary<string, StoreScratch> scratches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> removalsBeside = new();
    private readonly AbandonedEntries abandoned;

    /// <summary>Opens (and if missing creates, mode 0700) the store at <see cref="ImageStoreOptions.RootDirectory"/>.</summary>
    /// <exception cref="ArgumentException">The root is not an absolute path.</exception>
    public ImageStore(ImageStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HashParallelism, 1);
        this.options = options;
        var owner = string.IsNullOrEmpty(options.OwnerId) ? Environment.MachineName.ToLowerInvariant() : options.OwnerId;
        if (!StoreNames.IsValidName(owner))
        {
            throw new ArgumentException(
                $"{ImageStoreOptions.SectionName}:{nameof(ImageStoreOptions.OwnerId)} \"{owner}\" is invalid: lowercase letters, digits, '-' and '.', 1-253 characters (use the node name)",
                nameof(options));
        }

        Owner = owner;
        paths = new StorePaths(options.RootDirectory, owner);
        abandoned = new AbandonedEntries(paths, entry => inProgress.ContainsKey(entry) || scratches.ContainsKey(entry), options.OthersAbandonedAfter, options.InterruptedPullsKeptFor);
        if (!Directory.Exists(paths.Root))
        {
            CreatePrivateDirectory(paths.Root);
        }

        CreatePrivateDirectory(paths.Temporary);
        CreatePrivateDirectory(paths.OwnTemporary);
    }

    /// <summary>Opens the store from configuration.</summary>
    public ImageStore(IOptions<ImageStoreOptions> options)
        : this(options.Value)
    {
    }

    /// <summary>The store root, absolute.</summary>
    public string RootDirectory => paths.Root;

    /// <summary>
    /// This agent's name in the store (<see cref="ImageStoreOptions.OwnerId"/>, the node name): the volume may be shared
    /// by every node's agent, and what one of them did there is told apart by it.
    /// </summary>
    public string Owner { get; }

    /// <summary>
    /// Starts a checkpoint: creates its private temporary directory with <c>images/</c> and <c>logs/</c>.
    /// </summary>
    /// <exception cref="CheckpointAlreadyExistsException">A committed checkpoint with this key exists.</exception>
    public PendingCheckpoint Begin(CheckpointKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Open(key, paths.NewTemporary(key), pending => inProgress[pending.Directory] = pending, CreatePrivateDirectory);
    }

    /// <summary>
    /// Starts a pull of <paramref name="key"/> from another agent, or takes up the one an earlier pull left
    /// (<see cref="Suspend"/>, or an agent stopped mid-pull): the entry's files are then as that pull left
    /// them, verified or not, for the puller to check before it fetches the rest.
    /// </summary>
    /// <param name="key">The checkpoint.</param>
    /// <param name="resumed">Whether an earlier pull's entry was taken up.</param>
    /// <exception cref="CheckpointAlreadyExistsException">A committed checkpoint with this key exists.</exception>
    /// <exception cref="TransientAgentException">This agent pulls the checkpoint already.</exception>
    public PendingCheckpoint BeginPull(CheckpointKey key, out bool resumed)
    {
        ArgumentNullException.ThrowIfNull(key);
        var taken = false;
        var pending = Open(key, paths.PullTemporary(key), pending =>
        {
            if (!inProgress.TryAdd(pending.Directory, pending))
            {
                throw new TransientAgentException($"checkpoint {key} is being pulled already: retry when that pull ended", TimeSpan.FromSeconds(10));
            }
        }, directory =>
        {
            taken = Directory.Exists(directory);
            if (taken)
            {
                // Its age is what the start-up sweep judges: taken up now, it is fresh again.
                Directory.SetLastWriteTimeUtc(directory, DateTime.UtcNow);
            }
            else
            {
                CreatePrivateDirectory(directory);
            }
        });
        resumed = taken;
        return pending;
    }

    /// <summary>
    /// Opens a pending checkpoint in <paramref name="directory"/>: <paramref name="claim"/> registers it as this agent's
    /// work in progress (the sweep spares it; a claim that throws leaves the directory alone), <paramref name="createRoot"/>
    /// makes or takes up the directory, then <c>images/</c> and <c>logs/</c> are made in it. Anything that fails after the
    /// claim abandons it.
    /// </summary>
    private PendingCheckpoint Open(CheckpointKey key, string directory, Action<PendingCheckpoint> claim, Action<string> createRoot)
    {
        if (Directory.Exists(paths.Checkpoint(key)))
        {
            throw new CheckpointAlreadyExistsException(key);
        }

        CreatePrivateDirectory(paths.OwnTemporary);
        var pending = new PendingCheckpoint(this, key, directory);
        claim(pending);
        try
        {
            createRoot(directory);
            CreatePrivateDirectory(pending.ImagesDirectory);
            CreatePrivateDirectory(pending.LogsDirectory);
        }
        catch
        {
            Abandon(pending);
            throw;
        }

        return pending;
    }

    /// <summary>
    /// Leaves a pull's pending entry where it is, uncommitted, for the next <see cref="BeginPull"/> of the same
    /// checkpoint to resume (kept for <see cref="ImageStoreOptions.InterruptedPullsKeptFor"/>). Disposing it
    /// afterwards does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">It is not a pull's, or not open.</exception>
    public void Suspend(PendingCheckpoint pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (!pending.BelongsTo(this) || !pending.Directory.EndsWith(StorePaths.PullSuffix, StringComparison.Ordinal) || pending.State != PendingCheckpoint.PendingState.Open)
        {
            throw new InvalidOperationException($"checkpoint {pending.Key} cannot be suspended: only an open pull can");
        }

        pending.State = PendingCheckpoint.PendingState.Abandoned;
        inProgress.TryRemove(pending.Directory, out _);
    }

    /// <summary>
    /// Commits a pending checkpoint: sets every file to 0600 and every directory to 0700; completes
    /// <see cref="CheckpointManifest.Files"/> (entries the caller supplied are kept when their size still
    /// matches, every other file is hashed now) and <see cref="CheckpointManifest.MemoryPagesBytes"/>;
    /// writes and fsyncs <c>manifest.json</c> and the directories; renames the temporary directory to its
    /// final name in one atomic rename(2). On failure (or cancellation before the rename) nothing is
    /// committed and the pending checkpoint may be committed again or abandoned.
    /// </summary>
    /// <param name="pending">From <see cref="Begin"/> on this store.</param>
    /// <param name="manifest">The manifest; its key must be the pending key. Updated in place.</param>
    /// <param name="cancellationToken">Cancels hashing; ignored once the rename happened.</param>
    /// <exception cref="CheckpointAlreadyExistsException">Another checkpoint with this key was committed meanwhile.</exception>
    /// <exception cref="CheckpointStoreException">The directory holds something other than files and directories.</exception>
    public async Task<StoredCheckpoint> CommitAsync(PendingCheckpoint pending, CheckpointManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(manifest);
        if (!pending.BelongsTo(this))
        {
            throw new ArgumentException("the pending checkpoint was begun on another store", nameof(pending));
        }

        if (manifest.Key != pending.Key)
        {
            throw new ArgumentException($"the manifest's key {manifest.Key} is not the pending checkpoint's {pending.Key}", nameof(manifest));
        }

        if (pending.State != PendingCheckpoint.PendingState.Open)
        {
            throw new InvalidOperationException($"checkpoint {pending.Key} cannot be committed: it is {pending.State}");
        }

        pending.State = PendingCheckpoint.PendingState.Committing;
        var final = paths.Checkpoint(pending.Key);
        try
        {
            if (Directory.Exists(final))
            {
                throw new CheckpointAlreadyExistsException(pending.Key);
            }

            var files = SecureTree(pending);
            manifest.Files = await CommitDigests.CompleteAsync(files, manifest.Files, options.HashParallelism, cancellationToken);
            manifest.SchemaVersion = Math.Max(manifest.SchemaVersion, manifest.RequiredSchemaVersion);
            // The memory the tree held: a page image compressed at rest counts as CRIU wrote it.
            manifest.MemoryPagesBytes = manifest.Files
                .Where(file => IsMemoryPagesFile(Compression.ImageCompression.PlainName(file.Path)))
                .Sum(file => file.PlainSize ?? file.Size);
            if (options.SyncImageFiles)
            {
                SyncFiles(files, cancellationToken);
            }

            await manifest.SaveAsync(Path.Combine(pending.Directory, CheckpointManifest.FileName), cancellationToken);
            SyncDirectories(pending.Directory);
            cancellationToken.ThrowIfCancellationRequested();

            var namespaceDirectory = paths.Namespace(pending.Key.Namespace);
            if (!Directory.Exists(namespaceDirectory))
            {
                CreatePrivateDirectory(namespaceDirectory);
                NativeMethods.FsyncDirectory(paths.Root);
            }

            if (!NativeMethods.RenameNoReplace(pending.Directory, final))
            {
                throw new CheckpointAlreadyExistsException(pending.Key);
            }
        }
        catch
        {
            pending.State = PendingCheckpoint.PendingState.Open;
            throw;
        }

        pending.State = PendingCheckpoint.PendingState.Committed;
        inProgress.TryRemove(pending.Directory, out _);
        NativeMethods.FsyncDirectory(Path.GetDirectoryName(final)!);
        NativeMethods.FsyncDirectory(paths.OwnTemporary);
        return new StoredCheckpoint(pending.Key, final, manifest);
    }

    /// <summary>
    /// A private scratch directory on the store's own filesystem, for work on a committed checkpoint that must not touch
    /// it (a compressed chain decompressed for a restore): the volume has the room a checkpoint needs, where the agent's
    /// run directory (a tmpfs) may not. Removed on dispose, or by <see cref="RecoverAbandoned"/> after an agent that died first.
    /// </summary>
    public StoreScratch BeginScratch(CheckpointKey key, string purpose)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        CreatePrivateDirectory(paths.OwnTemporary);
        var directory = paths.NewTemporary(key, "." + purpose);
        var scratch = new StoreScratch(this, directory);
        scratches[directory] = scratch;
        try
        {
            CreatePrivateDirectory(directory);
        }
        catch
        {
            EndScratch(scratch);
            throw;
        }
        return scratch;
    }

    internal void EndScratch(StoreScratch scratch)
    {
        DeleteEntry(scratch.Directory);
        scratches.TryRemove(scratch.Directory, out _);
    }

    /// <summary>
    /// Completes once every scratch directory removed on a worker thread (<see cref="StoreScratch.DisposeBeside"/>: a
    /// superseded flat copy, CRIU's replaced images, a restore's flattened chain) is gone: what deletes a gigabyte beside
    /// whatever runs next. For callers that must measure or stop without it (a benchmark, a shutdown).
    /// </summary>
    public Task RemovalsBesideDoneAsync() => Task.WhenAll(removalsBeside.Keys);

    internal void TrackRemovalBeside(Task removal)
    {
        removalsBeside[removal] = 0;
        removal.ContinueWith(done => removalsBeside.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Removes a pending checkpoint's temporary directory. Harmless when already abandoned.</summary>
    /// <exception cref="InvalidOperationException">It was committed (use <see cref="Delete"/>) or is being committed.</exception>
    public void Abandon(PendingCheckpoint pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (!pending.BelongsTo(this))
        {
            throw new ArgumentException("the pending checkpoint was begun on another store", nameof(pending));
        }

        switch (pending.State)
        {
            case PendingCheckpoint.PendingState.Abandoned:
                return;
            case PendingCheckpoint.PendingState.Committed or PendingCheckpoint.PendingState.Committing:
                throw new InvalidOperationException($"checkpoint {pending.Key} cannot be abandoned: it is {pending.State}");
        }

        DeleteEntry(pending.Directory);
        pending.State = PendingCheckpoint.PendingState.Abandoned;
        inProgress.TryRemove(pending.Directory, out _);
    }

    /// <summary>
    /// This agent's leftover temporary directories that <see cref="RecoverAbandoned"/> would remove
    /// (checkpoints in progress in this instance excepted): what an interrupted dump left, to be looked at
    /// before the sweep (e.g. for a network lock to undo).
    /// </summary>
    public IReadOnlyList<string> ListAbandoned() => abandoned.List();

    /// <summary>
    /// Call at start: removes this agent's leftovers in <c>&lt;root&gt;/.tmp/&lt;owner&gt;</c> (dumps interrupted by
    /// an agent killed mid-way, half-finished deletes), except checkpoints this store instance has in
    /// progress; and other owners' entries untouched for <see cref="ImageStoreOptions.OthersAbandonedAfter"/>
    /// (their node is gone). Other agents sharing the volume keep their work in progress.
    /// </summary>
    /// <returns>How many entries were removed.</returns>
    /// <exception cref="AbandonedEntriesRemainException">Some entries could not be removed; all others were.</exception>
    public int RecoverAbandoned() => abandoned.Remove();

    /// <summary>
    /// The committed checkpoints of one namespace, or of all when <paramref name="namespace"/> is null,
    /// sorted by namespace, name and UID. Temporary directories are never listed; nor are directories
    /// whose manifest names no valid key or another key than their location.
    /// </summary>
    /// <exception cref="InvalidCheckpointNameException"><paramref name="namespace"/> is not a valid namespace.</exception>
    public IReadOnlyList<StoredCheckpoint> List(string? @namespace = null) => List(@namespace, _ => true);

    private List<StoredCheckpoint> List(string? @namespace, Func<string, bool> mayHold)
    {
        IEnumerable<string> namespaceDirectories = @namespace is null
            ? Directory.EnumerateDirectories(paths.Root).Where(directory => StoreNames.IsValidNamespace(Path.GetFileName(directory)))
            : [paths.Namespace(@namespace)];

        var found = new List<StoredCheckpoint>();
        foreach (var namespaceDirectory in namespaceDirectories.Where(Directory.Exists))
        {
            foreach (var directory in Directory.EnumerateDirectories(namespaceDirectory).Where(d => mayHold(Path.GetFileName(d))))
            {
                if (TryIdentify(Path.GetFileName(namespaceDirectory), directory) is { } key)
                {
                    found.Add(new StoredCheckpoint(key, directory));
                }
            }
        }

        return [.. found
            .OrderBy(checkpoint => checkpoint.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(checkpoint => checkpoint.Key.Name, StringComparer.Ordinal)
            .ThenBy(checkpoint => checkpoint.Key.Uid, StringComparer.Ordinal)];
    }

    /// <summary>The committed checkpoint with this key, or null.</summary>
    public StoredCheckpoint? Find(CheckpointKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var directory = paths.Checkpoint(key);
        return File.Exists(Path.Combine(directory, CheckpointManifest.FileName))
            ? new StoredCheckpoint(key, directory)
            : null;
    }

    /// <summary>
    /// The committed checkpoints with this namespace and name, whatever their UID (normally at most one:
    /// the UID tells a recreated Checkpoint object from a deleted one of the same name).
    /// </summary>
    /// <exception cref="InvalidCheckpointNameException">A part is not valid.</exception>
    public IReadOnlyList<StoredCheckpoint> FindByName(string @namespace, string name)
    {
        StoreNames.ValidateNamespace(@namespace);
        StoreNames.ValidateName(name);
        // Directories are "<name>-<uid>": only those can hold it, so only their manifests are read.
        return [.. List(@namespace, directory => directory.StartsWith(name + "-", StringComparison.Ordinal))
            .Where(checkpoint => checkpoint.Key.Name == name)];
    }

    /// <summary>
    /// Deletes a committed checkpoint. It first leaves its listed location by one atomic rename into
    /// <c>.tmp</c>, so a delete interrupted half-way never leaves a half-deleted checkpoint listed
    /// (<see cref="RecoverAbandoned"/> finishes it).
    /// </summary>
    /// <returns>False when there was no such checkpoint.</returns>
    public bool Delete(CheckpointKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var directory = paths.Checkpoint(key);
        if (!Directory.Exists(directory))
        {
            return false;
        }

        CreatePrivateDirectory(paths.OwnTemporary);
        var doomed = paths.NewTemporary(key, ".deleting");
        try
        {
            if (!NativeMethods.RenameNoReplace(directory, doomed))
            {
                throw new IOException($"cannot move {directory} aside for deletion: {doomed} exists");
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Deleted concurrently by someone else between the check and the rename.
            return false;
        }

        NativeMethods.FsyncDirectory(Path.GetDirectoryName(directory)!);
        DeleteEntry(doomed);
        return true;
    }

    /// <summary>
    /// A new private scratch directory in this agent's temporary area of the store (on the volume, so large files
    /// fit where checkpoints fit), for work that is not a checkpoint (an export's converted layer). The caller removes
    /// it; <see cref="RecoverAbandoned"/> removes one an agent killed mid-way left.
    /// </summary>
    public string CreateScratchDirectory(CheckpointKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        CreatePrivateDirectory(paths.OwnTemporary);
        var directory = paths.NewTemporary(key, ".scratch");
        CreatePrivateDirectory(directory);
        return directory;
    }

    /// <summary>Size and free space of the file system holding the store.</summary>
    public StoreSpace GetSpace()
    {
        var drive = new DriveInfo(paths.Root);
        return new StoreSpace(drive.TotalSize, drive.AvailableFreeSpace);
    }

    private const string ParentLinkPath = StorePaths.ImagesDirectoryName + "/" + CriuImageFiles.ParentLink;

    // "../../<name>-<uid>/images": a sibling checkpoint's images, whatever else the link could say.
    private static bool IsParentLinkTarget(string target)
    {
        var parts = target.Split('/');
        return parts.Length == 4 && parts[0] == ".." && parts[1] == ".." && parts[3] == StorePaths.ImagesDirectoryName
               && parts[2].Length > 0 && parts[2] is not ("." or "..");
    }

    /// <summary>Whether a path relative to a checkpoint directory lies in its kept flat copy (<see cref="ManifestFlatCopy"/>).</summary>
    internal static bool IsInFlatCopy(string relativePath) =>
        relativePath.StartsWith(ManifestFlatCopy.DirectoryName + "/", StringComparison.Ordinal);

    /// <summary>
    /// Removes the flat copy a checkpoint keeps (<see cref="ManifestFlatCopy"/>), if any: moved out of the checkpoint by one
    /// rename, so a restore sees it whole or not at all (one that linked its files already keeps them), and unlinked on a
    /// worker thread (a gigabyte took 0.6-0.7 s here).
    /// </summary>
    /// <returns>Whether there was a copy.</returns>
    public bool DropFlatCopy(StoredCheckpoint checkpoint, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(logger);
        if (!Directory.Exists(checkpoint.FlatCopyDirectory))
        {
            return false;
        }
        var scratch = BeginScratch(checkpoint.Key, "flat-dropped");
        try
        {
            Directory.Move(checkpoint.FlatCopyDirectory, Path.Combine(scratch.Directory, ManifestFlatCopy.DirectoryName));
        }
        catch (DirectoryNotFoundException)
        {
            // Dropped by someone else meanwhile.
            scratch.Dispose();
            return false;
        }
        scratch.DisposeBeside(logger);
        return true;
    }

    private static bool IsMemoryPagesFile(string relativePath) =>
        relativePath.StartsWith(StorePaths.ImagesDirectoryName + "/", StringComparison.Ordinal)
        && CriuImageFiles.IsPagesImage(Path.GetFileName(relativePath));

    private static void CreatePrivateDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the checkpoint store runs on Linux only");
        }

        Directory.CreateDirectory(path, PrivateDirectoryMode);

        // The mode given at creation goes through the umask: set it explicitly.
        File.SetUnixFileMode(path, PrivateDirectoryMode);
    }

    /// <summary>Removes a file or directory of the store; a symbolic link is unlinked itself, never followed.</summary>
    internal static void DeleteEntry(string path)
    {
        if (new FileInfo(path).LinkTarget is not null)
        {
            // Unlink a symbolic link itself, never what it points at.
            File.Delete(path);
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private static void SyncFiles(IReadOnlyList<PendingFile> files, CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var stream = new FileStream(file.FullPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            stream.Flush(flushToDisk: true);
        }
    }

    private static void SyncDirectories(string root)
    {
        foreach (var directory in StoreTree.Directories(root))
        {
            NativeMethods.FsyncDirectory(directory.FullName);
        }

        NativeMethods.FsyncDirectory(root);
    }

    // The checkpoint's key from its manifest, if it matches where the directory is; null for anything else.
    private static CheckpointKey? TryIdentify(string namespaceName, string directory)
    {
        var manifestPath = Path.Combine(directory, CheckpointManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return null;
        }

        try
        {
            var key = ManifestSerializer.ReadKey(manifestPath);
            return key.Namespace == namespaceName && key.DirectoryName == Path.GetFileName(directory) ? key : null;
        }
        catch (CheckpointStoreException)
        {
            // Not identifiable as a checkpoint (no key, or an invalid one): it is not listed; it can still
            // be found and deleted by its key.
            return null;
        }
    }

    // Applies 0700/0600 over the pending tree (CRIU writes with its own umask) and lists its files,
    // refusing anything that could make chmod or hashing act outside the tree.
    private List<PendingFile> SecureTree(PendingCheckpoint pending)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the checkpoint store runs on Linux only");
        }

        var files = new List<PendingFile>();
        foreach (var entry in StoreTree.Entries(pending.Directory))
        {
            var relative = Path.GetRelativePath(pending.Directory, entry.FullName);
            if (entry.LinkTarget is not null)
            {
                // The one link a checkpoint holds: an increment's way to its parent's images, in the same namespace.
                if (relative == ParentLinkPath && IsParentLinkTarget(entry.LinkTarget))
                {
                    continue;
                }

                throw new CheckpointStoreException($"checkpoint {pending.Key} cannot be committed: {entry.FullName} is a symbolic link");
            }

            if (entry is DirectoryInfo)
            {
                File.SetUnixFileMode(entry.FullName, PrivateDirectoryMode);
            }
            else if (relative != CheckpointManifest.FileName)
            {
                File.SetUnixFileMode(entry.FullName, PrivateFileMode);
                if (IsInFlatCopy(relative))
                {
                    // Recorded apart (CheckpointManifest.FlatCopy, hashed as CRIU wrote it): the copy is removed later.
                    continue;
                }
                files.Add(new PendingFile(paths.Inside(pending.Directory, relative), relative, ((FileInfo)entry).Length));
            }
        }

        File.SetUnixFileMode(pending.Directory, PrivateDirectoryMode);
        return files;
    }

}
