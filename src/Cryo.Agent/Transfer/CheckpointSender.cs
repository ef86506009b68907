using System.Buffers;
using System.Runtime.CompilerServices;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Serves a committed checkpoint to another agent: its manifest, then every listed file in the manifest's
/// order, in chunks of <see cref="ChunkBytes"/>, from a resume point on (up to a length, for a caller pulling
/// over parallel streams). It verifies nothing (the receiver
/// checks every chunk against the manifest), but never sends more or fewer bytes than the manifest lists.
/// Bounded by the agent's <see cref="TransferGate"/> and <see cref="TransferThrottle"/>.
/// </summary>
public sealed class CheckpointSender(ImageStore store, TransferGate gate, TransferThrottle throttle)
{
    /// <summary>Bytes per file chunk: well under gRPC's 4 MiB message limit, large enough to keep system calls few.</summary>
    public const int ChunkBytes = 1024 * 1024;

    /// <summary>
    /// The parts of checkpoint <paramref name="namespace"/>/<paramref name="name"/> from the resume point.
    /// The stream's slot is taken when the first part is asked for and given back when enumeration ends.
    /// </summary>
    /// <param name="namespace">The checkpoint's namespace.</param>
    /// <param name="name">The checkpoint's name.</param>
    /// <param name="startPath">The manifest path of the first file to send; empty for the first file.</param>
    /// <param name="startOffset">The first byte of that file to send.</param>
    /// <param name="length">How many file bytes to send, across files; 0 for everything to the end.</param>
    /// <param name="manifestOnly">Send the manifest and stop.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <exception cref="TransferLimitExceededException">The agent serves as many streams as it may.</exception>
    /// <exception cref="CheckpointNotFoundException">No committed checkpoint of that name.</exception>
    /// <exception cref="InvalidRequestException">The resume point is not in the checkpoint, or the length is negative.</exception>
    /// <exception cref="CheckpointCorruptedException">A listed file is missing or shorter than listed.</exception>
    public async IAsyncEnumerable<TransferPart> SendAsync(string @namespace, string name, string startPath, long startOffset, long length, bool manifestOnly,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (length < 0)
        {
            throw new InvalidRequestException("length", $"{length} is negative: 0 sends everything from the resume point on");
        }

        using var slot = gate.Enter();
        var checkpoint = Find(@namespace, name);
        var manifestBytes = await File.ReadAllBytesAsync(checkpoint.ManifestPath, cancellationToken);
        var files = ManifestSerializer.Deserialize(manifestBytes, checkpoint.ManifestPath).Files;
        var first = FirstFile(files, startPath, startOffset);
        yield return new TransferPart(manifestBytes, string.Empty, 0, ReadOnlyMemory<byte>.Empty);
        if (manifestOnly)
        {
            yield break;
        }

        var left = length == 0 ? long.MaxValue : length;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            for (var i = first; i < files.Count && left > 0; i++)
            {
                var entry = files[i];
                var offset = i == first ? startOffset : 0;
                using var handle = Open(checkpoint, entry);
                while (offset < entry.Size && left > 0)
                {
                    var want = (int)Math.Min(Math.Min(ChunkBytes, entry.Size - offset), left);
                    var read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, want), offset, cancellationToken);
                    if (read == 0)
                    {
                        throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.SizeDiffers,
                            $"manifest says {entry.Size} bytes, the file ends at {offset}");
                    }

                    await throttle.WaitAsync(read, cancellationToken);
                    yield return new TransferPart(null, entry.Path, offset, buffer.AsMemory(0, read));
                    offset += read;
                    left -= read;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>How many file bytes <see cref="SendAsync"/> sends of <paramref name="manifest"/> from that resume point, up to that length.</summary>
    /// <exception cref="InvalidRequestException">The resume point is not in the checkpoint.</exception>
    public static long BytesToSend(ReadOnlySpan<byte> manifest, string startPath, long startOffset, long length)
    {
        var files = ManifestSerializer.Deserialize(manifest, CheckpointManifest.FileName).Files;
        var first = FirstFile(files, startPath, startOffset);
        var rest = files.Skip(first).Sum(f => f.Size) - startOffset;
        return length == 0 ? rest : Math.Min(length, rest);
    }

    // The checkpoint of that name; of several (a Checkpoint deleted and recreated), the newest.
    private StoredCheckpoint Find(string @namespace, string name) =>
        store.FindByName(@namespace, name).OrderByDescending(c => c.Manifest.CreatedAt).FirstOrDefault()
        ?? throw new CheckpointNotFoundException(@namespace, name);

    private static int FirstFile(List<ManifestFile> files, string startPath, long startOffset)
    {
        if (string.IsNullOrEmpty(startPath))
        {
            return startOffset == 0 ? 0 : throw new InvalidRequestException("start_offset", "must be 0 without start_path");
        }

        var index = files.FindIndex(f => f.Path == startPath);
        if (index < 0)
        {
            throw new InvalidRequestException("start_path", $"\"{startPath}\" is not a file of this checkpoint's manifest");
        }

        return startOffset >= 0 && startOffset <= files[index].Size
            ? index
            : throw new InvalidRequestException("start_offset", $"{startOffset} is outside {startPath}, which has {files[index].Size} bytes");
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle Open(StoredCheckpoint checkpoint, ManifestFile entry)
    {
        try
        {
            return File.OpenHandle(checkpoint.ResolveFile(entry.Path), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.Missing, "listed in the manifest but not found");
        }
        catch (StorePathEscapeException)
        {
            throw new CheckpointCorruptedException(checkpoint.Key, entry.Path, CorruptionKind.InvalidEntry, "the path leaves the checkpoint directory");
        }
    }
}
