using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Store;

/// <summary>
/// SHA-256 of a file in fixed-size chunks (see <see cref="ManifestFile"/>): chunks are independent, so a
/// large file is hashed on as many cores as are free. A file of at most one chunk gets a whole-file digest,
/// equal to <c>sha256sum</c>'s.
/// </summary>
public static class ChunkedSha256
{
    /// <summary>
    /// Bytes per chunk: small enough that the last chunk of a page image (hashed after CRIU has finished)
    /// costs ~15 ms, large enough that a 2 GiB image lists 128 digests.
    /// </summary>
    public const long DefaultChunkSize = 16L * 1024 * 1024;

    private const int ReadSize = 1024 * 1024;

    /// <summary>Number of chunks a file of <paramref name="size"/> bytes has (an empty file has one, empty chunk).</summary>
    public static int ChunkCount(long size, long chunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        return size == 0 ? 1 : checked((int)((size + chunkSize - 1) / chunkSize));
    }

    /// <summary>The manifest entry for a file whose chunk digests are known.</summary>
    public static ManifestFile Entry(string relativePath, long size, long chunkSize, IReadOnlyList<string> chunkDigests)
    {
        ArgumentNullException.ThrowIfNull(chunkDigests);
        return chunkDigests.Count == 1
            ? new ManifestFile { Path = relativePath, Size = size, Sha256 = chunkDigests[0] }
            : new ManifestFile { Path = relativePath, Size = size, ChunkSize = chunkSize, ChunkSha256 = chunkDigests };
    }

    /// <summary>
    /// Hashes a whole file, <paramref name="parallelism"/> chunks at a time, and returns its manifest entry.
    /// </summary>
    /// <param name="fullPath">The file.</param>
    /// <param name="relativePath">The entry's path.</param>
    /// <param name="chunkSize">Bytes per chunk.</param>
    /// <param name="parallelism">Chunks hashed at once.</param>
    /// <param name="cancellationToken">Stops hashing between reads.</param>
    /// <exception cref="IOException">The file changed size while it was hashed.</exception>
    public static async Task<ManifestFile> ComputeAsync(string fullPath, string relativePath, long chunkSize, int parallelism, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        using var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        var size = RandomAccess.GetLength(handle);
        var digests = new string[ChunkCount(size, chunkSize)];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        await Parallel.ForAsync(0, digests.Length, parallel, (i, token) =>
        {
            var offset = i * chunkSize;
            var length = Math.Min(chunkSize, size - offset);
            digests[i] = Hash(handle, offset, length, token, out var hashed);
            if (hashed != length)
            {
                throw new IOException($"{fullPath} shrank while it was hashed");
            }

            return ValueTask.CompletedTask;
        });

        if (RandomAccess.GetLength(handle) != size)
        {
            throw new IOException($"{fullPath} changed size while it was hashed");
        }

        return Entry(relativePath, size, chunkSize, digests);
    }

    /// <summary>
    /// SHA-256 (lowercase hex) of <paramref name="length"/> bytes of a file from <paramref name="offset"/>,
    /// or of fewer when the file ends first (<paramref name="hashed"/> says how many).
    /// </summary>
    internal static string Hash(SafeFileHandle handle, long offset, long length, CancellationToken cancellationToken, out long hashed)
    {
        // 1 MiB reads: few system calls, and the buffer stays in L2 between read(2) and the hash.
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var end = offset + length;
            var position = offset;
            while (position < end)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(ReadSize, end - position)), position);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, read);
                position += read;
            }

            hashed = position - offset;
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
