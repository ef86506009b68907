using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Store;

/// <summary>
/// Hashes the files of a directory while another process (CRIU) is still writing them, so that the
/// checksums of a multi-GiB dump are ready moments after the dump ends instead of a second later.
/// Append-only files (page images) are hashed as they grow: the bytes below the current end of file are
/// final because the writer only appends. Other files may be rewritten and are hashed once
/// <see cref="CompleteAsync"/> says the writer is done. If an append-only file shrinks it is re-hashed from
/// the start; if its name ends up on another file of another size it is hashed again from scratch.
/// </summary>
/// <remarks>
/// .NET takes a shared flock(2) on every file it opens (FileShare emulation): a .NET writer opening with
/// <see cref="FileShare.None"/> would fail while the file is followed. CRIU takes no flock on its images.
/// </remarks>
/// <example>
/// <code>
/// await using var hasher = GrowingFileHasher.Start(pending.ImagesDirectory, pending.Directory, ct);
/// await RunCriuDumpAsync(pending.ImagesDirectory, ct);
/// manifest.Files = [.. await hasher.CompleteAsync(ct)];
/// </code>
/// </example>
public sealed class GrowingFileHasher : IAsyncDisposable
{
    private readonly string directory;
    private readonly string relativeTo;
    private readonly GrowingFileHasherOptions options;
    private readonly Dictionary<string, TrackedFile> tracked = new(StringComparer.Ordinal);
    private readonly ManualResetEventSlim writerDone = new(false);
    private readonly CancellationTokenSource stopping;
    private readonly Task follower;
    private long bytesHashedWhileWriting;
    private int completed;
    private bool disposed;

    private GrowingFileHasher(string directory, string relativeTo, GrowingFileHasherOptions options, CancellationToken cancellationToken)
    {
        this.directory = Path.GetFullPath(directory);
        this.relativeTo = Path.GetFullPath(relativeTo);
        this.options = options;
        stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = stopping.Token;
        follower = Task.Factory.StartNew(() => Follow(token), token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Bytes hashed before <see cref="CompleteAsync"/> was called: the work taken off the critical path.</summary>
    public long BytesHashedWhileWriting => Interlocked.Read(ref bytesHashedWhileWriting);

    /// <summary>Starts following <paramref name="directory"/> (which need not exist yet).</summary>
    /// <param name="directory">The directory being written, followed recursively.</param>
    /// <param name="relativeTo">Paths in the result are relative to this directory ('/'-separated).</param>
    /// <param name="cancellationToken">Stops following.</param>
    /// <param name="options">Tuning; defaults suit CRIU image directories.</param>
    public static GrowingFileHasher Start(string directory, string relativeTo, CancellationToken cancellationToken, GrowingFileHasherOptions? options = null)
    {
        options ??= new GrowingFileHasherOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CompletionParallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, 4096);
        return new GrowingFileHasher(directory, relativeTo, options, cancellationToken);
    }

    /// <summary>
    /// Call once the writer has finished: hashes what is left and returns the size and SHA-256 of every
    /// file in the directory, sorted by path. Equal to hashing the final files from scratch.
    /// </summary>
    public async Task<IReadOnlyList<ManifestFile>> CompleteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Interlocked.Exchange(ref completed, 1) != 0)
        {
            throw new InvalidOperationException("CompleteAsync was already called");
        }

        writerDone.Set();
        await follower.WaitAsync(cancellationToken);

        // The follower may have seen "writer done" before the start token's cancellation: honour it anyway.
        stopping.Token.ThrowIfCancellationRequested();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);

        var files = EnumerateFiles();
        var results = new ManifestFile[files.Count];
        var work = files
            .Select((path, index) => (path, index))
            .OrderByDescending(item => RemainingBytes(item.path));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.CompletionParallelism, CancellationToken = linked.Token };
        await Parallel.ForEachAsync(work, parallel, (item, token) =>
        {
            var digest = Finish(item.path, token);
            results[item.index] = new ManifestFile
            {
                Path = Path.GetRelativePath(relativeTo, item.path),
                Size = digest.Size,
                Sha256 = digest.Sha256,
            };
            return ValueTask.CompletedTask;
        });

        return [.. results.OrderBy(file => file.Path, StringComparer.Ordinal)];
    }

    /// <summary>Stops following and releases the open files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        await stopping.CancelAsync();

        // The follower's outcome was CompleteAsync's to report; disposing (often on an error path) must
        // not replace the caller's exception with a follower failure or our own cancellation.
        await follower.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        foreach (var file in tracked.Values)
        {
            file.Dispose();
        }

        tracked.Clear();
        stopping.Dispose();
        writerDone.Dispose();
    }

    private void Follow(CancellationToken cancellationToken)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(options.BufferSize);
        while (!writerDone.IsSet)
        {
            var hashed = Pass(buffer, cancellationToken);
            Interlocked.Add(ref bytesHashedWhileWriting, hashed);
            if (hashed < options.MinimumBatchBytes)
            {
                writerDone.Wait(options.PollInterval, cancellationToken);
            }
        }
    }

    // One sweep: pick up new append-only files, hash whatever each has grown by. Returns bytes hashed.
    private long Pass(byte[] buffer, CancellationToken cancellationToken)
    {
        long hashed = 0;
        foreach (var path in EnumerateFiles())
        {
            if (!tracked.ContainsKey(path) && options.IsAppendOnly(Path.GetFileName(path)))
            {
                tracked[path] = TrackedFile.Open(path);
            }
        }

        foreach (var file in tracked.Values)
        {
            hashed += file.CatchUp(buffer, cancellationToken);
        }

        return hashed;
    }

    private List<string> EnumerateFiles()
    {
        try
        {
            return [.. Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    private long RemainingBytes(string path)
    {
        var length = new FileInfo(path) is { Exists: true } info ? info.Length : 0;
        return tracked.TryGetValue(path, out var file) ? length - file.Offset : length;
    }

    private FileDigest Finish(string path, CancellationToken cancellationToken)
    {
        if (tracked.TryGetValue(path, out var file) && file.TryFinish(path, options.BufferSize, cancellationToken) is { } digest)
        {
            return digest;
        }

        return FileDigest.Compute(path, options.BufferSize, cancellationToken);
    }

    /// <summary>An append-only file being followed: an open handle, the hash so far and how far it got.</summary>
    private sealed class TrackedFile : IDisposable
    {
        private readonly SafeFileHandle handle;
        private IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private bool failed;

        private TrackedFile(SafeFileHandle handle) => this.handle = handle;

        public long Offset { get; private set; }

        public static TrackedFile Open(string path)
        {
            try
            {
                return new TrackedFile(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan));
            }
            catch (FileNotFoundException)
            {
                // Gone between listing and opening: an invalid handle marks it failed, the final pass decides.
                return new TrackedFile(new SafeFileHandle()) { failed = true };
            }
        }

        public long CatchUp(byte[] buffer, CancellationToken cancellationToken)
        {
            if (failed)
            {
                return 0;
            }

            try
            {
                var length = RandomAccess.GetLength(handle);
                if (length < Offset)
                {
                    // Not append-only after all (truncated): start over.
                    hash.Dispose();
                    hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    Offset = 0;
                }

                var start = Offset;
                Offset = FileDigest.HashFrom(handle, hash, Offset, length, buffer, cancellationToken);
                return Offset - start;
            }
            catch (IOException)
            {
                // Fall back to hashing the final file from scratch in CompleteAsync.
                failed = true;
                return 0;
            }
        }

        // Hashes the rest and returns the digest, or null when the file must be hashed from scratch
        // (following failed, or the name now points at a different or changed file).
        public FileDigest? TryFinish(string path, int bufferSize, CancellationToken cancellationToken)
        {
            CatchUp(GC.AllocateUninitializedArray<byte>(bufferSize), cancellationToken);
            if (failed || new FileInfo(path) is not { Exists: true } info || info.Length != Offset)
            {
                return null;
            }

            return new FileDigest(Offset, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }

        public void Dispose()
        {
            handle.Dispose();
            hash.Dispose();
        }
    }
}
