using System.Buffers;
using System.Collections.Concurrent;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Store.Hashing;

/// <summary>
/// Hashes the files of a directory while another process (CRIU) is still writing them, so that the
/// checksums of a multi-GiB dump are ready moments after the dump ends instead of a second later.
/// Append-only files (page images) are hashed as they grow, chunk by chunk (<see cref="ChunkedSha256"/>; with
/// <see cref="GrowingFileHasherOptions.DigestPages"/>, as <see cref="DigestAlgorithms.Sha256OfPages"/>, so the page
/// digests the page index needs are the only pass over their bytes),
/// on <see cref="GrowingFileHasherOptions.Parallelism"/> threads: a chunk below the current end of file is
/// final because the writer only appends. Other files may be rewritten and are hashed once
/// <see cref="CompleteAsync"/> says the writer is done. A followed file that shrinks, or whose name ends up
/// on a file of another size, is hashed again from scratch.
/// </summary>
/// <remarks>
/// <para>
/// Chunks are read, never mapped, so a file cut short under a chunk being hashed only makes that read come up
/// short (the file is then hashed again from scratch), wherever the store lives.
/// </para>
/// <para>
/// .NET takes a shared flock(2) on every file it opens (FileShare emulation): a .NET writer opening with
/// <see cref="FileShare.None"/> would fail while the file is followed. CRIU takes no flock on its images.
/// </para>
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
    private readonly BlockingCollection<Chunk> chunks = [];
    private readonly ManualResetEventSlim writerDone = new(false);
    private readonly ManualResetEventSlim writerPaused = new(false);
    private readonly CancellationTokenSource stopping;
    private readonly Task follower;
    private readonly Task[] workers;
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
        workers = [.. Enumerable.Range(0, options.Parallelism).Select(i => Task.Factory.StartNew(
            () => Work(joinsWhileWriting: i < options.WhileWritingParallelism, token), token, TaskCreationOptions.LongRunning, TaskScheduler.Default))];
        follower = Task.Factory.StartNew(() => Follow(token), token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// After <see cref="CompleteAsync"/>: the page digests of the append-only files (pages images) followed from start
    /// to end (or picked up when the writer was done), by file name, when <see cref="GrowingFileHasherOptions.DigestPages"/>;
    /// a file whose reads failed and which was hashed again from scratch has none (whoever needs its page digests reads it).
    /// </summary>
    public IReadOnlyList<PagesImageDigests> PageDigestsOfPagesImages { get; private set; } = [];

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
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WhileWritingParallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ChunkSize, 4096);
        if (options.DigestPages && options.ChunkSize % PageDigests.PageSize != 0)
        {
            throw new ArgumentException($"chunks of {options.ChunkSize} bytes are not whole {PageDigests.PageSize}-byte pages: page digests need them", nameof(options));
        }
        return new GrowingFileHasher(directory, relativeTo, options, cancellationToken);
    }

    /// <summary>
    /// Call once the writer has finished: hashes what is left and returns the size and SHA-256 (whole, or
    /// per chunk) of every file in the directory, sorted by path. Equal to hashing the final files from scratch.
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

        // Decide each file's fate first (followed files that changed under us start over), then queue the
        // rest of every file and let the workers drain the queue.
        var files = EnumerateFiles();
        var states = new TrackedFile[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            var path = files[i];
            if (!tracked.TryGetValue(path, out var file) || !file.FitsFinal(path))
            {
                file?.Dispose();
                file = TrackedFile.Open(path, OfPages(path), options.PageDigestSink) ?? throw new FileNotFoundException($"{path} disappeared while the checkpoint was hashed", path);
                tracked[path] = file;
            }

            states[i] = file;
        }

        foreach (var file in states)
        {
            file.Dispatch(chunks, options.ChunkSize, final: true);
        }

        chunks.CompleteAdding();
        await Task.WhenAll(workers).WaitAsync(linked.Token);

        var results = new ManifestFile[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            var relative = Path.GetRelativePath(relativeTo, files[i]);
            results[i] = states[i].Result(relative, options.ChunkSize)
                ?? await ChunkedSha256.ComputeAsync(files[i], relative, options.ChunkSize, options.Parallelism, linked.Token,
                    OfPages(files[i]) ? DigestAlgorithms.Sha256OfPages : null);
        }

        PageDigestsOfPagesImages = [.. files.Select((path, i) => states[i].PageResult(Path.GetFileName(path))).OfType<PagesImageDigests>()];
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

        // The outcome was CompleteAsync's to report; disposing (often on an error path) must not replace
        // the caller's exception with a follower or worker failure or our own cancellation.
        await follower.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(workers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        foreach (var file in tracked.Values)
        {
            file.Dispose();
        }

        tracked.Clear();
        chunks.Dispose();
        stopping.Dispose();
        writerDone.Dispose();
        writerPaused.Dispose();
    }

    private void Follow(CancellationToken cancellationToken)
    {
        // CRIU writes a task's pages, then its small images for a while (core, mm, inventory; unlocking the
        // network, thawing): once the page images stop growing, the backlog is the tail, and every worker joins.
        var grew = false;
        var quietPasses = 0;
        while (!writerDone.IsSet)
        {
            var queued = Pass();
            if (queued > 0)
            {
                grew = true;
                quietPasses = 0;
            }
            else if (grew && ++quietPasses >= QuietPassesToJoin)
            {
                writerPaused.Set();
            }

            if (queued < options.MinimumBatchBytes)
            {
                writerDone.Wait(options.PollInterval, cancellationToken);
            }
        }
    }

    // One sweep: pick up new append-only files, queue every chunk each has completed. Returns bytes queued.
    private long Pass()
    {
        foreach (var path in EnumerateFiles())
        {
#pragma warning disable CA2000 // Kept in tracked, which the hasher disposes; null (file gone) holds nothing.
            if (!tracked.ContainsKey(path) && options.IsAppendOnly(Path.GetFileName(path)) && TrackedFile.Open(path, OfPages(path), options.PageDigestSink) is { } file)
#pragma warning restore CA2000
            {
                tracked[path] = file;
            }
        }

        return tracked.Values.Sum(file => file.Dispatch(chunks, options.ChunkSize, final: false));
    }

    // Append-only files are listed by their page digests when those are wanted: the pages are hashed once.
    private bool OfPages(string path) => options.DigestPages && options.IsAppendOnly(Path.GetFileName(path));

    // Passes without a new whole chunk, after some, that mean the page images stopped growing (three: 30 ms).
    private const int QuietPassesToJoin = 3;

    // While the writer writes, only some workers hash (CRIU's dump is the critical path: the others would
    // take its core); once the writer is done or pauses, what is left is the critical path and every worker joins.
    private void Work(bool joinsWhileWriting, CancellationToken cancellationToken)
    {
        if (!joinsWhileWriting)
        {
            WaitHandle.WaitAny([writerDone.WaitHandle, writerPaused.WaitHandle, cancellationToken.WaitHandle]);
            cancellationToken.ThrowIfCancellationRequested();
        }

        foreach (var chunk in chunks.GetConsumingEnumerable(cancellationToken))
        {
            var writing = !writerDone.IsSet;
            // A chunk of page digests interleaves its own pages; plain chunks are hashed two at a time.
            var hashed = !chunk.File.OfPages && TakePartner(cancellationToken) is { } partner
                ? TrackedFile.HashPair(chunk, partner, cancellationToken)
                : chunk.File.Hash(chunk, cancellationToken);
            if (writing)
            {
                Interlocked.Add(ref bytesHashedWhileWriting, hashed);
            }
        }
    }

    // A second chunk to hash together with the first (InterleavedSha256, when equally long: about half the CPU
    // of hashing them one by one). While the writer writes, wait for it a little: the next chunk is usually
    // being written, and hashing pairs keeps one core ahead of CRIU where single chunks fall behind.
    private Chunk? TakePartner(CancellationToken cancellationToken)
    {
        if (!InterleavedSha256.IsAvailable)
        {
            return null;
        }

        var wait = writerDone.IsSet || writerPaused.IsSet ? TimeSpan.Zero : options.PairWait;
        return chunks.TryTake(out var partner, (int)wait.TotalMilliseconds, cancellationToken) ? partner : null;
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

    /// <summary>One chunk of a file to hash.</summary>
    private readonly record struct Chunk(TrackedFile File, int Index, long Offset, long Length);

    /// <summary>
    /// A file being hashed: an open handle, the digests of its chunks so far, and how much of it has been
    /// queued. Written by the follower (queueing) and the workers (digests); read after both are done.
    /// </summary>
    private sealed class TrackedFile : IDisposable
    {
        private readonly SafeFileHandle handle;
        private readonly ConcurrentDictionary<int, string> digests = new();
        // The page digests of the whole file, in file order: grown by the follower as it queues chunks (doubling, so
        // while the writer writes), filled in by the workers chunk by chunk, and handed over as they are once the file
        // is done. Gathering per-chunk arrays into one at the end was a copy of 4 MiB (512 MiB of pages) on the tail.
        private readonly Lock pageDigestsLock = new();
        private byte[] pageDigests = [];
        private int pageDigestChunks;
        private volatile bool failed;
        private int queuedChunks;

        private readonly string path;
        private readonly IPageDigestSink? sink;

        private TrackedFile(SafeFileHandle handle, string path, bool ofPages, IPageDigestSink? sink)
        {
            this.handle = handle;
            this.path = path;
            OfPages = ofPages;
            this.sink = ofPages ? sink : null;
        }

        /// <summary>Whether the file is listed as <see cref="DigestAlgorithms.Sha256OfPages"/>, and its page digests kept.</summary>
        public bool OfPages { get; }

        /// <summary>Bytes queued so far: whole chunks, plus the final partial one once queued.</summary>
        private long Queued { get; set; }

        /// <summary>Opens a file to hash, or returns null when it is already gone; <paramref name="sink"/> receives its page digests chunk by chunk.</summary>
        public static TrackedFile? Open(string path, bool ofPages, IPageDigestSink? sink)
        {
            try
            {
                return new TrackedFile(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan), path, ofPages, sink);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
        }

        /// <summary>
        /// Queues every chunk completed since the last call; with <paramref name="final"/>, the last, partial
        /// chunk too. A file shorter than what was queued is marked failed (it was not append-only).
        /// </summary>
        public long Dispatch(BlockingCollection<Chunk> queue, long chunkSize, bool final)
        {
            if (failed)
            {
                return 0;
            }

            long length;
            try
            {
                length = RandomAccess.GetLength(handle);
            }
            catch (IOException)
            {
                failed = true;
                return 0;
            }

            if (length < Queued)
            {
                failed = true;
                return 0;
            }

            var start = Queued;
            while (length - Queued >= chunkSize || (final && (length > Queued || queuedChunks == 0)))
            {
                var size = Math.Min(chunkSize, length - Queued);
                MakeRoomForPages(Queued + size, chunkSize);
                queue.Add(new Chunk(this, queuedChunks++, Queued, size));
                Queued += size;
            }

            return Queued - start;
        }

        // Room in the page digests for a file of `bytes`, and for one chunk more, before a chunk that reaches that far is
        // queued: the last (partial) chunk, queued once the writer is done, then fits without a copy on the tail.
        private void MakeRoomForPages(long bytes, long chunkSize)
        {
            var needed = PageDigests.SizeFor(bytes + chunkSize);
            if (!OfPages || needed <= pageDigests.Length)
            {
                return;
            }

            lock (pageDigestsLock)
            {
                var grown = GC.AllocateUninitializedArray<byte>(Math.Max(needed, 2 * pageDigests.Length));
                pageDigests.CopyTo(grown, 0);
                pageDigests = grown;
            }
        }

        /// <summary>Hashes one queued chunk; returns the bytes hashed.</summary>
        public long Hash(Chunk chunk, CancellationToken cancellationToken)
        {
            if (failed)
            {
                return 0;
            }

            // A chunk's page digests are made into a buffer of the worker's (the file's may grow meanwhile) and copied in.
            var pages = OfPages ? ArrayPool<byte>.Shared.Rent(PageDigests.SizeFor(chunk.Length)) : null;
            try
            {
                var digest = ChunkedSha256.Hash(Range(chunk), pages, cancellationToken, out var hashed);
                return Record(chunk, digest, hashed, pages);
            }
            catch (IOException)
            {
                // Fall back to hashing the final file from scratch in CompleteAsync.
                failed = true;
                return 0;
            }
            finally
            {
                if (pages is not null)
                {
                    ArrayPool<byte>.Shared.Return(pages);
                }
            }
        }

        /// <summary>Hashes two queued chunks (of this file or another), together when equally long; returns the bytes hashed.</summary>
        public static long HashPair(Chunk first, Chunk second, CancellationToken cancellationToken)
        {
            if (first.File.failed || second.File.failed || first.File.OfPages || second.File.OfPages)
            {
                return first.File.Hash(first, cancellationToken) + second.File.Hash(second, cancellationToken);
            }

            try
            {
                var (a, b) = ChunkedSha256.HashPair(first.File.Range(first), second.File.Range(second), cancellationToken);
                return first.File.Record(first, a.Digest, a.Hashed, null) + second.File.Record(second, b.Digest, b.Hashed, null);
            }
            catch (IOException)
            {
                // Which file failed is unknown: both are hashed again from scratch in CompleteAsync.
                first.File.failed = true;
                second.File.failed = true;
                return 0;
            }
        }

        private FileRange Range(Chunk chunk) => new(handle, chunk.Offset, chunk.Length, OfPages);

        private long Record(Chunk chunk, string digest, long hashed, byte[]? pages)
        {
            if (hashed == chunk.Length)
            {
                if (pages is not null)
                {
                    lock (pageDigestsLock)
                    {
                        pages.AsSpan(0, PageDigests.SizeFor(chunk.Length)).CopyTo(pageDigests.AsSpan(PageDigests.SizeFor(chunk.Offset)));
                    }
                    Interlocked.Increment(ref pageDigestChunks);
                    sink?.PagesHashed(path, chunk.Offset / PageDigests.PageSize, pages.AsSpan(0, PageDigests.SizeFor(chunk.Length)));
                }
                digests[chunk.Index] = digest;
            }
            else
            {
                failed = true;
            }

            return hashed;
        }

        /// <summary>Whether what was followed can be finished as is: not failed, and the name still shows a file of at least the queued size.</summary>
        public bool FitsFinal(string path) =>
            !failed && new FileInfo(path) is { Exists: true } info && info.Length >= Queued && RandomAccess.GetLength(handle) == info.Length;

        /// <summary>The entry once every queued chunk is hashed, or null when the file must be hashed again from scratch.</summary>
        public ManifestFile? Result(string relativePath, long chunkSize)
        {
            if (failed || digests.Count != queuedChunks)
            {
                return null;
            }

            return ChunkedSha256.Entry(relativePath, Queued, chunkSize, [.. Enumerable.Range(0, queuedChunks).Select(i => digests[i])],
                OfPages ? DigestAlgorithms.Sha256OfPages : null);
        }

        /// <summary>The page digests of the whole file, or null when they were not made for all of it (or it is not whole pages).</summary>
        public PagesImageDigests? PageResult(string fileName)
        {
            if (!OfPages || failed || digests.Count != queuedChunks || pageDigestChunks != queuedChunks || Queued % PageDigests.PageSize != 0)
            {
                return null;
            }

            return new PagesImageDigests(fileName, PageDigests.Instance.Algorithm, PageDigests.DigestSize, pageDigests.AsMemory(0, PageDigests.SizeFor(Queued)));
        }

        public void Dispose() => handle.Dispose();
    }
}
