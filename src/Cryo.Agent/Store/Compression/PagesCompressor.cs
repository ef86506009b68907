using System.Diagnostics;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Cryo.Agent.Store.Compression;

/// <summary>
/// Compresses the page images of a pending checkpoint before its commit: each <c>pages-N.img</c> becomes
/// <c>pages-N.img.zst</c> (one zstd frame with its content checksum), hashed as it is written, and the plain file goes.
/// Runs after an increment's rewrite, so only the pages the checkpoint keeps are compressed; its page index (of the
/// plain pages) was made before and stays what children compare against.
/// </summary>
internal static class PagesCompressor
{
    private const int BufferSize = 1024 * 1024;

    /// <summary>Compresses every page image of <paramref name="pending"/>.</summary>
    /// <returns>The compressed files' manifest entries, and how long it took.</returns>
    /// <exception cref="IOException">A file could not be read or written; the pending checkpoint is then not to be committed.</exception>
    public static (IReadOnlyList<ManifestFile> Files, TimeSpan Duration) Compress(PendingCheckpoint pending, int parallelism, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var started = Stopwatch.GetTimestamp();
        var images = Directory.EnumerateFiles(pending.ImagesDirectory)
            .Where(path => CriuImageFiles.IsPagesImage(Path.GetFileName(path)))
            .OrderByDescending(path => new FileInfo(path).Length)
            .ToList();
        var entries = new ManifestFile[images.Count];
        Parallel.For(0, images.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            i => entries[i] = CompressFile(pending, images[i], cancellationToken));
        return (entries, Stopwatch.GetElapsedTime(started));
    }

    private static ManifestFile CompressFile(PendingCheckpoint pending, string plainPath, CancellationToken cancellationToken)
    {
        var compressedPath = ImageCompression.CompressedName(plainPath);
        var relativePath = Path.GetRelativePath(pending.Directory, compressedPath).Replace(Path.DirectorySeparatorChar, '/');
        long plainSize;
        ManifestFile entry;
        using (var input = new FileStream(plainPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan))
        using (var output = OwnerOnlyFile.Create(compressedPath, FileMode.CreateNew, bufferSize: 0))
        using (var hashing = new ChunkHashingStream(output, ChunkedSha256.DefaultChunkSize))
        {
            plainSize = input.Length;
            using (var zstd = new CompressionStream(hashing, ImageCompression.ZstdLevel, BufferSize, leaveOpen: true))
            {
                zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
                // The frame header then records the plain size: `zstd -l` shows it, and a reader can check it.
                zstd.SetPledgedSrcSize((ulong)plainSize);
                var buffer = new byte[BufferSize];
                int read;
                while ((read = input.Read(buffer)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    zstd.Write(buffer.AsSpan(0, read));
                }
            }
            hashing.Flush();
            entry = hashing.Entry(relativePath) with { Compression = ImageCompression.Zstd, PlainSize = plainSize };
        }
        File.Delete(plainPath);
        return entry;
    }
}
