using System.Security.Cryptography;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Transfer;

/// <summary>
/// The receiving side of one checkpoint's transfer, across however many streams it takes: the pending
/// entry the files land in (each created at its full size, written at offsets by whichever stream holds
/// that part), the manifest's digest ranges as <see cref="TransferUnit"/>s, and which of them verified.
/// Only verified units count: a stream that drops resumes at its first unverified unit. Disposing it
/// uncommitted removes the entry.
/// </summary>
internal sealed class PullSession(ImageStore store, string peer, string @namespace, string name, IProgress<PullProgress>? progress = null) : IDisposable
{
    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly Lock gate = new();
    private readonly Dictionary<int, int> mismatches = [];
    private byte[]? manifestBytes;
    private PendingCheckpoint? pending;
    private SafeFileHandle[] handles = [];
    private TransferUnit[] units = [];
    private int verified;
    private long bytesReceived;
    private long bytesVerified;
    private long bytesTotal;

    /// <summary>The manifest, once received.</summary>
    public CheckpointManifest? Manifest { get; private set; }

    /// <summary>The pending entry the files land in, once begun.</summary>
    public PendingCheckpoint? Pending => pending;

    /// <summary>Bytes an interrupted pull had left that verified, and were not fetched again.</summary>
    public long BytesResumed { get; private set; }

    /// <summary>File bytes received, refetched ones included.</summary>
    public long BytesReceived => Interlocked.Read(ref bytesReceived);

    /// <summary>Every unit has verified.</summary>
    public bool IsComplete => Manifest is not null && pending is not null && Volatile.Read(ref verified) == units.Length;

    /// <summary>The manifest; the first one is parsed and checked, later ones must equal it byte for byte.</summary>
    /// <exception cref="TransferVerificationException">A later manifest differs (the source's checkpoint changed) or an entry is unusable.</exception>
    public void ReceiveManifest(byte[] bytes)
    {
        lock (gate)
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
    }

    /// <summary>
    /// A stream of file bytes names its manifest by digest (<see cref="CheckpointBytesEndpoint.ManifestDigestHeader"/>):
    /// it must be the one received, or the source's checkpoint changed between streams.
    /// </summary>
    /// <exception cref="TransferVerificationException">The digest is another manifest's.</exception>
    public void CheckManifestDigest(string? digest)
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData(manifestBytes!));
        if (!string.Equals(digest, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw Mismatch(CheckpointManifest.FileName, 0, manifestBytes!.Length,
                $"the source's manifest has SHA-256 {digest ?? "(none given)"} on this stream, not {expected} (its checkpoint changed)");
        }
    }

    /// <summary>
    /// Opens the pending entry (after the parents are in place), creates every file at its listed size, and
    /// splits the units still to fetch into segments of about <paramref name="segmentBytes"/>.
    /// </summary>
    /// <exception cref="CheckpointAlreadyExistsException">The store has it already.</exception>
    /// <exception cref="TransferVerificationException">An empty file's digest is not the empty digest, or a path leaves the entry.</exception>
    public IReadOnlyList<TransferSegment> Begin(long segmentBytes)
    {
        var manifest = Manifest!;
        pending = store.BeginPull(manifest.Key, out var resumed);
        units = [.. manifest.Files.SelectMany((file, i) => file.Ranges().Select(range => (i, file.Path, range)))
            .Select((u, index) => new TransferUnit(index, u.i, u.Path, u.range))];
        handles = new SafeFileHandle[manifest.Files.Count];
        for (var i = 0; i < handles.Length; i++)
        {
            var entry = manifest.Files[i];
            var path = ResolveInPending(entry.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!, PrivateDirectoryMode);
            // An interrupted pull's files are kept: what verifies of them need not come again.
            handles[i] = File.OpenHandle(path, resumed ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.ReadWrite, FileShare.None);
            RandomAccess.SetLength(handles[i], entry.Size);
        }

        bytesTotal = units.Sum(u => u.Range.Length);
        var done = resumed ? VerifyLanded() : new bool[units.Length];
        bytesVerified = BytesResumed;
        progress?.Report(new PullProgress(manifest.Key, bytesVerified, bytesTotal));
        foreach (var unit in units.Where(u => u.Range.Length == 0))
        {
            // Nothing is sent for an empty file: it verifies here or never.
            Check(unit, Convert.ToHexStringLower(SHA256.HashData(ReadOnlySpan<byte>.Empty)), firstFailureRefetches: false);
            done[unit.Index] = true;
        }

        return Plan(done, segmentBytes);
    }

    /// <summary>Writes bytes of <paramref name="unit"/> at <paramref name="position"/> in its file (any stream, concurrently).</summary>
    public void Write(TransferUnit unit, ReadOnlySpan<byte> data, long position)
    {
        RandomAccess.Write(handles[unit.FileIndex], data, position);
        Interlocked.Add(ref bytesReceived, data.Length);
    }

    /// <summary>
    /// The unit's last byte landed: counts it verified when <paramref name="actual"/> (lowercase hex, of the form its manifest
    /// entry names) is its digest. The first
    /// mismatch of a unit asks for it again; a second ends the pull.
    /// </summary>
    /// <exception cref="RangeRefetchException">The first mismatch: fetch the unit again.</exception>
    /// <exception cref="TransferVerificationException">The second mismatch.</exception>
    public void Check(TransferUnit unit, string actual, bool firstFailureRefetches = true)
    {
        if (string.Equals(actual, unit.Range.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref verified);
            progress?.Report(new PullProgress(Manifest!.Key, Interlocked.Add(ref bytesVerified, unit.Range.Length), bytesTotal));
            return;
        }

        int seen;
        lock (gate)
        {
            seen = mismatches.GetValueOrDefault(unit.Index) + 1;
            mismatches[unit.Index] = seen;
        }

        var detail = $"SHA-256 is {actual}, the manifest says {unit.Range.Sha256}";
        throw seen > 1 || !firstFailureRefetches
            ? Mismatch(unit.Path, unit.Range.Offset, unit.Range.Length, seen > 1 ? $"{detail}, again when fetched anew (the source's copy differs from its manifest)" : detail)
            : new RangeRefetchException(unit.Path, unit.Range.Offset, detail);
    }

    /// <summary>
    /// Leaves what landed for the next pull of this checkpoint (an agent stopping, a source gone for now):
    /// the entry stays, uncommitted, and is resumed by the next <see cref="Begin"/> on this store.
    /// </summary>
    public void Suspend()
    {
        if (pending is not null)
        {
            CloseFiles();
            store.Suspend(pending);
        }
    }

    /// <summary>Closes the files (before the commit).</summary>
    public void CloseFiles()
    {
        foreach (var handle in handles)
        {
            handle.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CloseFiles();
        pending?.Dispose();
    }

    /// <summary>What the source sent does not fit the manifest.</summary>
    public TransferVerificationException Mismatch(string path, long offset, long length, string detail) =>
        new(Manifest?.Key ?? new CheckpointKey(@namespace, name, "unknown"), peer, path, offset, Math.Max(length, 1), detail);

    // Hashes every unit an interrupted pull may have written; those that match count as received.
    private bool[] VerifyLanded()
    {
        var done = new bool[units.Length];
        var buffer = new byte[1024 * 1024];
        using var plain = RangeHasher.For(null);
        using var pages = RangeHasher.For(DigestAlgorithms.Sha256OfPages);
        foreach (var unit in units.Where(u => u.Range.Length > 0))
        {
            var hash = unit.Range.OfPages ? pages : plain;
            for (var at = unit.Range.Offset; at < unit.End;)
            {
                var read = RandomAccess.Read(handles[unit.FileIndex], buffer.AsSpan(0, (int)Math.Min(buffer.Length, unit.End - at)), at);
                if (read == 0)
                {
                    break;
                }

                hash.Append(buffer.AsSpan(0, read));
                at += read;
            }

            if (string.Equals(hash.Finish(), unit.Range.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                done[unit.Index] = true;
                verified++;
                BytesResumed += unit.Range.Length;
            }
        }

        return done;
    }

    // Runs of units not yet verified, cut where verified bytes lie between or the size is reached.
    private List<TransferSegment> Plan(bool[] done, long segmentBytes)
    {
        var segments = new List<TransferSegment>();
        var run = new List<TransferUnit>();
        long size = 0;
        foreach (var unit in units)
        {
            // An empty file between two runs does not cut them: the source sends nothing for it.
            if ((done[unit.Index] && unit.Range.Length > 0) || (run.Count > 0 && size + unit.Range.Length > segmentBytes))
            {
                Close();
            }

            if (!done[unit.Index])
            {
                run.Add(unit);
                size += unit.Range.Length;
            }
        }

        Close();
        return segments;

        void Close()
        {
            if (run.Count > 0)
            {
                segments.Add(new TransferSegment([.. run]));
                run.Clear();
                size = 0;
            }
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
}
