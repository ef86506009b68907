using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Criu.Images;

/// <summary>
/// Copies the pages of a full dump that differ from its parent's into new pages images while CRIU is still writing the
/// dump, page digest by page digest as they are made (<see cref="IPageDigestSink"/>), on the core CRIU leaves: the
/// increment's rewrite after the dump then has only the pagemaps left to do (issue 14: copying ~113 MiB of changed pages
/// was 93-134 ms of its 116-171).
/// </summary>
/// <remarks>
/// <para>It assumes the dump lays out each process's memory as the parent did: the same present pages in the same order,
/// so that the <c>i</c>-th page of a pages image is the <c>i</c>-th its parent's index lists for the pagemap (the usual case
/// of a warm workload checkpointed again), but for pages added or gone here and there (a heap that grew by a few pages
/// moves every later one): where neither a page nor its successor is where the parent had them, the copy looks for the
/// page among the parent's and follows it there. CRIU writes its pagemaps through a buffer and closes them at the end, so
/// which parent pagemap a pages image belongs to is told from its first pages' digests.</para>
/// <para>Nothing relies on the guess or the assumption: <see cref="IncrementalRewriter"/> takes a prepared image only when it
/// holds exactly the pages the rewrite decided to store from the pagemaps CRIU wrote, and copies them itself otherwise,
/// so the result is byte for byte the same either way.</para>
/// </remarks>
/// <example>
/// <code>
/// using var early = new EarlyPageCopy(scratchDirectory, readingParentIndex);
/// await using var hasher = GrowingFileHasher.Start(images, ..., new GrowingFileHasherOptions { PageDigestSink = early });
/// await RunCriuDumpAsync(images, ct);
/// await hasher.CompleteAsync(ct);
/// new IncrementalRewriter { PreparedPages = early.Finish() }.Rewrite(images, parentImages, await readingParentIndex, digests, ct);
/// </code>
/// </example>
public sealed class EarlyPageCopy : IPageDigestSink, IDisposable
{
    /// <summary>Pages at the start of a pages image looked for among each parent pagemap's first pages (twice as many), to tell which it belongs to.</summary>
    internal const int ProbePages = 256;

    private readonly string _directory;
    private readonly Task<PageHashIndex?> _parentIndex;
    private readonly IPageHasher _hasher;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FileCopy> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);
    private long _elapsedTicks;
    private bool _finished;

    /// <summary>Starts an early copy with nothing copied yet.</summary>
    /// <param name="directory">Where the prepared pages images go: an existing directory of the images directory's filesystem, outside it.</param>
    /// <param name="parentIndex">The parent's page index, being read (the first pages wait for it); null inside for none (nothing is copied).</param>
    /// <param name="hasher">The hash the digests are made with; <c>null</c> for <see cref="Sha256PageHasher"/>.</param>
    /// <param name="logger">Says why a pages image was not copied early, at Debug; <c>null</c> for nothing.</param>
    public EarlyPageCopy(string directory, Task<PageHashIndex?> parentIndex, IPageHasher? hasher = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(parentIndex);
        _directory = directory;
        _parentIndex = parentIndex;
        _hasher = hasher ?? Sha256PageHasher.Instance;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Time spent deciding and copying, every thread's together: work done beside the dump instead of after it.</summary>
    public TimeSpan Elapsed => TimeSpan.FromSeconds(Interlocked.Read(ref _elapsedTicks) / (double)Stopwatch.Frequency);

    /// <summary>Pages copied so far, every pages image's together.</summary>
    public long PagesCopied
    {
        get
        {
            lock (_lock)
            {
                return _files.Values.Sum(f => (long)f.Copied.Count);
            }
        }
    }

    /// <inheritdoc />
    public void PagesHashed(string pagesImagePath, long firstPage, ReadOnlySpan<byte> digests)
    {
        var started = Stopwatch.GetTimestamp();
        FileCopy? file;
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }
            if (!_files.TryGetValue(pagesImagePath, out file))
            {
                _files[pagesImagePath] = file = new FileCopy(pagesImagePath, Path.Combine(_directory, Path.GetFileName(pagesImagePath)));
            }
        }
        lock (file)
        {
            try
            {
                file.Take(this, firstPage, digests);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CriuImageFormatException)
            {
                file.Fail(_logger, $"copying failed: {e.Message}");
            }
        }
        Interlocked.Add(ref _elapsedTicks, Stopwatch.GetTimestamp() - started);
    }

    /// <summary>
    /// Call once every page is hashed (the hasher completed): the pages images prepared, closed, for
    /// <see cref="IncrementalRewriter.PreparedPages"/>. Pages hashed later are ignored.
    /// </summary>
    public IReadOnlyList<PreparedPagesImage> Finish()
    {
        List<FileCopy> files;
        lock (_lock)
        {
            _finished = true;
            files = [.. _files.Values];
        }
        var prepared = new List<PreparedPagesImage>();
        foreach (var file in files)
        {
            lock (file)
            {
                if (file.Close() is { } done)
                {
                    prepared.Add(done);
                }
            }
        }
        return prepared;
    }

    /// <summary>Closes the files; what was prepared stays in the directory, which is the caller's.</summary>
    public void Dispose()
    {
        List<FileCopy> files;
        lock (_lock)
        {
            _finished = true;
            files = [.. _files.Values];
        }
        foreach (var file in files)
        {
            lock (file)
            {
                file.Close();
            }
        }
    }

    /// <summary>The parent pagemap among whose first pages most of <paramref name="digests"/>' are found (none: null), claimed so that no other image takes it.</summary>
    private PageMapHashes? ClaimParent(string pagesImagePath, ReadOnlySpan<byte> digests, out string? refusal)
    {
        PageHashIndex? index;
        try
        {
            index = _parentIndex.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or UnauthorizedAccessException)
        {
            refusal = $"the parent's index could not be read: {e.Message}";
            return null;
        }
        if (index is null || index.Algorithm != _hasher.Algorithm || index.DigestSize != _hasher.DigestSize)
        {
            refusal = index is null ? "the parent has no page index" : $"the parent's index is of {index.Algorithm}";
            return null;
        }
        var size = _hasher.DigestSize;
        var probe = Math.Min(ProbePages, digests.Length / size);
        lock (_lock)
        {
            PageMapHashes? best = null;
            var bestScore = 0;
            foreach (var candidate in index.PageMaps.Values.Where(p => p.Count > 0 && !_claimed.Contains(p.FileName)).OrderBy(p => p.FileName, StringComparer.Ordinal))
            {
                // By content, not position: pages added or gone near the start (a heap that grew) move the others.
                var near = new HashSet<ulong>();
                for (var i = 0; i < Math.Min(2 * ProbePages, candidate.Count); i++)
                {
                    near.Add(BitConverter.ToUInt64(candidate.HashAt(i)));
                }
                var score = 0;
                for (var i = 0; i < probe; i++)
                {
                    if (near.Contains(BitConverter.ToUInt64(digests.Slice(i * size, size))))
                    {
                        score++;
                    }
                }
                if (score > bestScore)
                {
                    (best, bestScore) = (candidate, score);
                }
            }
            if (best is null)
            {
                refusal = $"none of the parent's pagemaps starts as {Path.GetFileName(pagesImagePath)} does";
                return null;
            }
            _claimed.Add(best.FileName);
            refusal = null;
            return best;
        }
    }

    /// <summary>One pages image being copied: its chunks taken in file order (later ones wait), its changed pages appended.</summary>
    private sealed class FileCopy(string sourcePath, string targetPath)
    {
        private readonly SortedDictionary<long, byte[]> _waiting = [];
        private PageMapHashes? _parent;
        private SafeFileHandle? _source;
        private FileStream? _target;
        private Memory<byte> _buffer;
        private Dictionary<ulong, (int Position, bool Unique)>? _parentPositions;
        private long _targetOffset;
        private long _next;
        private long _shift;
        private long _lastMatched = -1;
        private bool _failed;
        private bool _closed;

        public List<long> Copied { get; } = [];

        public void Take(EarlyPageCopy owner, long firstPage, ReadOnlySpan<byte> digests)
        {
            if (_failed || _closed)
            {
                return;
            }
            if (firstPage != _next)
            {
                if (firstPage < _next || !_waiting.TryAdd(firstPage, digests.ToArray()))
                {
                    // Hashed again (the hasher started the file over): what was copied may not be of its final bytes.
                    Fail(owner._logger, "its pages were hashed twice");
                }
                return;
            }
            Decide(owner, digests);
            while (!_failed && _waiting.Remove(_next, out var later))
            {
                Decide(owner, later);
            }
        }

        /// <summary>Copies the pages of the next chunk that differ from the parent's at the same position.</summary>
        private void Decide(EarlyPageCopy owner, ReadOnlySpan<byte> digests)
        {
            var size = owner._hasher.DigestSize;
            if (_parent is null)
            {
                _parent = owner.ClaimParent(sourcePath, digests, out var refusal);
                if (_parent is null)
                {
                    Fail(owner._logger, refusal!);
                    return;
                }
                _source = File.OpenHandle(sourcePath);
                _target = OwnerOnlyFile.CreateDirect(targetPath);
                _buffer = PageCopier.AlignedBuffer(PageCopier.DefaultBufferBytes);
            }
            var count = digests.Length / size;
            var first = Copied.Count;
            for (var i = 0; i < count; i++)
            {
                var page = _next + i;
                var digest = digests.Slice(i * size, size);
                var expected = page - _shift;
                if (SameAt(expected, digest))
                {
                    _lastMatched = expected;
                    continue;
                }
                // Changed, or the layout moved here (pages added or gone before it, as a heap that grew): a page whose
                // successor lines up is a changed one; else it is looked for in the parent past the last page that
                // matched, and the copy moves with it when the parent holds it once (its successor may have changed),
                // or when its successor follows it there too (a page the parent holds several times, as zero pages).
                var hasNext = i + 1 < count;
                var next = hasNext ? digests.Slice((i + 1) * size, size) : default;
                if (!(hasNext && SameAt(expected + 1, next)) && Find(digest, size) is { } moved && moved.Position > _lastMatched
                    && (moved.Unique || !hasNext || SameAt(moved.Position + 1, next)))
                {
                    _shift = page - moved.Position;
                    _lastMatched = moved.Position;
                    continue;
                }
                Copied.Add(page);
            }
            var changed = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Copied)[first..];
            if (changed.Length > 0)
            {
                PageCopier.Copy(_source!, sourcePath, changed, _target!.SafeFileHandle, _targetOffset, _buffer.Span, CancellationToken.None);
                _targetOffset += (long)changed.Length * PageMap.PageSize;
            }
            _next += count;
        }

        private bool SameAt(long position, ReadOnlySpan<byte> digest) =>
            position >= 0 && position < _parent!.Count && _parent.HashAt((int)position).SequenceEqual(digest);

        /// <summary>
        /// The first position in the parent's list of a page with <paramref name="digest"/>, and whether it is the only one,
        /// or null (an index of them made at the first need).
        /// </summary>
        private (int Position, bool Unique)? Find(ReadOnlySpan<byte> digest, int size)
        {
            if (_parentPositions is null)
            {
                _parentPositions = new Dictionary<ulong, (int, bool)>(_parent!.Count);
                for (var p = 0; p < _parent.Count; p++)
                {
                    ref var entry = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(
                        _parentPositions, BitConverter.ToUInt64(_parent.HashAt(p)), out var seen);
                    entry = seen ? (entry.Position, false) : (p, true);
                }
            }
            return _parentPositions.TryGetValue(BitConverter.ToUInt64(digest), out var found) && SameAt(found.Position, digest[..size]) ? found : null;
        }

        public void Fail(ILogger logger, string reason)
        {
            if (!_failed)
            {
                logger.LogDebug("{PagesImage} is not copied beside the dump ({Reason}): the rewrite copies its pages", Path.GetFileName(sourcePath), reason);
            }
            _failed = true;
            _waiting.Clear();
        }

        /// <summary>Closes the files; the prepared image when nothing failed.</summary>
        public PreparedPagesImage? Close()
        {
            if (_closed)
            {
                return null;
            }
            _closed = true;
            _source?.Dispose();
            _target?.Dispose();
            return _failed || _target is null ? null : new PreparedPagesImage(Path.GetFileName(sourcePath), targetPath, Copied.ToArray(), _next);
        }
    }
}
