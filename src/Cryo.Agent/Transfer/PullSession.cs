using Cryo.Agent.Store;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Contracts.Agent.V1;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Transfer;

/// <summary>
/// The receiving side of one checkpoint's transfer, across however many streams it takes: writes each
/// chunk into a pending entry of the store and checks every digest range of the manifest as its last
/// byte lands. Only verified bytes survive a dropped stream (the file is cut back to the last verified
/// range), so <see cref="NextRequest"/> resumes exactly there. Disposing it uncommitted removes the entry.
/// </summary>
internal sealed class PullSession(ImageStore store, string peer, string @namespace, string name) : IDisposable
{
    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly Dictionary<(string Path, long Offset), int> mismatches = [];
    private byte[]? manifestBytes;
    private PendingCheckpoint? pending;
    private int fileIndex;
    private int rangeIndex;
    private long position;
    private IReadOnlyList<DigestRange> ranges = [];
    private SafeFileHandle? handle;
    private RangeHasher? hash;

    /// <summary>The manifest, once the first stream sent it.</summary>
    public CheckpointManifest? Manifest { get; private set; }

    /// <summary>The pending entry the files land in, once the manifest arrived.</summary>
    public PendingCheckpoint? Pending => pending;

    /// <summary>File bytes received, refetched ones included.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Every file has arrived and verified.</summary>
    public bool IsComplete => Manifest is not null && fileIndex == Manifest.Files.Count;

    /// <summary>The start of everything not yet verified.</summary>
    public ResumePoint NextRequest() =>
        Manifest is null || IsComplete ? new ResumePoint(string.Empty, 0) : new ResumePoint(Manifest.Files[fileIndex].Path, ranges.Count == 0 ? 0 : ranges[rangeIndex].Offset);

    /// <summary>The manifest (every stream starts with it); the first one is parsed and checked, later ones must equal it.</summary>
    /// <exception cref="TransferVerificationException">A later manifest differs (the source's checkpoint changed) or an entry is unusable.</exception>
    public void ReceiveManifest(byte[] bytes)
    {
        if (manifestBytes is not null)
        {
            if (!bytes.AsSpan().SequenceEqual(manifestBytes))
            {
                throw Mismatch(CheckpointManifest.FileName, 0, bytes.Length, "the source sent another manifest when the stream was resumed (its checkpoint changed)");
            }

            return;
        }

        var manifest = ManifestSerializer.Deserialize(bytes, $"the manifest of {@namespace}/{name} from {peer}");
        if (manifest.Key.Namespace != @namespace || manifest.Key.Name != name)
        {
            throw new TransferVerificationException(manifest.Key, peer, CheckpointManifest.FileName, 0, bytes.Length, $"the source sent checkpoint {manifest.Key}, not {@namespace}/{name}");
        }

        foreach (var entry in manifest.Files)
        {
            if (entry.Problem() is { } problem)
            {
                throw new TransferVerificationException(manifest.Key, peer, entry.Path, 0, entry.Size, $"the manifest entry is malformed: {problem}");
            }

            if (entry.Path == CheckpointManifest.FileName)
            {
                throw new TransferVerificationException(manifest.Key, peer, entry.Path, 0, entry.Size, "the manifest lists itself");
            }
        }

        Manifest = manifest;
        manifestBytes = bytes;
    }

    /// <summary>Opens the pending entry in the store (after the parents are in place).</summary>
    /// <exception cref="CheckpointAlreadyExistsException">The store has it already.</exception>
    public void Begin()
    {
        pending = store.Begin(Manifest!.Key);
        OpenCurrent();
    }

    /// <summary>Writes and verifies one chunk.</summary>
    /// <exception cref="TransferVerificationException">It is not the chunk expected next, or a range failed twice.</exception>
    /// <exception cref="RangeRefetchException">A range failed once: fetch again from <see cref="NextRequest"/>.</exception>
    public void ReceiveChunk(FileChunk chunk)
    {
        var manifest = Manifest!;
        if (IsComplete || chunk.Path != manifest.Files[fileIndex].Path || chunk.Offset != position)
        {
            var expected = IsComplete ? "nothing more" : $"{manifest.Files[fileIndex].Path} at {position}";
            throw Mismatch(chunk.Path, chunk.Offset, chunk.Data.Length, $"the source sent these bytes where {expected} was expected");
        }

        var data = chunk.Data.Span;
        BytesReceived += data.Length;
        while (data.Length > 0)
        {
            var range = ranges[rangeIndex];
            var take = (int)Math.Min(data.Length, range.Offset + range.Length - position);
            if (take == 0)
            {
                throw Mismatch(chunk.Path, chunk.Offset, chunk.Data.Length, $"the manifest lists {manifest.Files[fileIndex].Size} bytes, the source sent more");
            }

            RandomAccess.Write(handle!, data[..take], position);
            hash!.Append(data[..take]);
            position += take;
            data = data[take..];
            if (position == range.Offset + range.Length)
            {
                CompleteRange();
            }
        }
    }

    /// <summary>Cuts the current file back to its last verified byte (call when a stream ended early).</summary>
    public void DiscardUnverified()
    {
        if (handle is null || ranges.Count == 0)
        {
            return;
        }

        position = ranges[rangeIndex].Offset;
        RandomAccess.SetLength(handle, position);
        hash!.Reset();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        handle?.Dispose();
        hash?.Dispose();
        pending?.Dispose();
    }

    // The range's last byte landed: keep it, or drop it and ask for it again (once).
    private void CompleteRange()
    {
        var entry = Manifest!.Files[fileIndex];
        var range = ranges[rangeIndex];
        var actual = hash!.Finish();
        if (!string.Equals(actual, range.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            position = range.Offset;
            RandomAccess.SetLength(handle!, position);
            var seen = mismatches.GetValueOrDefault((entry.Path, range.Offset)) + 1;
            mismatches[(entry.Path, range.Offset)] = seen;
            var detail = $"SHA-256 is {actual}, the manifest says {range.Sha256}";
            throw seen > 1
                ? Mismatch(entry.Path, range.Offset, range.Length, $"{detail}, again when fetched anew (the source's copy differs from its manifest)")
                : new RangeRefetchException(entry.Path, range.Offset, detail);
        }

        if (++rangeIndex == ranges.Count)
        {
            NextFile();
        }
    }

    private void NextFile()
    {
        handle!.Dispose();
        handle = null;
        fileIndex++;
        OpenCurrent();
    }

    // Opens the file being received, empty; an empty file is checked and passed at once.
    private void OpenCurrent()
    {
        var files = Manifest!.Files;
        if (fileIndex == files.Count)
        {
            ranges = [];
            return;
        }

        var entry = files[fileIndex];
        var path = ResolveInPending(entry.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!, PrivateDirectoryMode);
        ranges = entry.Ranges();
        rangeIndex = 0;
        position = 0;
        handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        // Each file's ranges are hashed as its manifest entry says (pages images by their page digests).
        hash?.Dispose();
        hash = RangeHasher.For(entry.DigestAlgorithm);
        if (entry.Size == 0)
        {
            CompleteRange();
        }
    }

    private string ResolveInPending(string relativePath)
    {
        try
        {
            return pending!.ResolveFile(relativePath);
        }
        catch (StorePathEscapeException)
        {
            throw Mismatch(relativePath, 0, 0, "the manifest's path leaves the checkpoint directory");
        }
    }

    private TransferVerificationException Mismatch(string path, long offset, long length, string detail) =>
        new(Manifest?.Key ?? new CheckpointKey(@namespace, name, "unknown"), peer, path, offset, Math.Max(length, 1), detail);
}
