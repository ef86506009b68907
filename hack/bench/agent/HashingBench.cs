using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Bench.Agent;

/// <summary>
/// "hashing": what the agent's hashing primitives cost per byte on this machine, side by side in one run, on one
/// page-cached file (as a pages image is, right after CRIU wrote it): 16 MiB chunks hashed from reads or from a
/// read-only mapping, one at a time with .NET's SHA-256 (OpenSSL) or two at a time with libcryo-sha256; and 4 KiB
/// page digests (what an increment compares) with either, or a read's pages in one call (four at a time). CPU seconds of this (single-threaded) loop; the variants
/// take turns, so a neighbour's load hits them all alike.
/// </summary>
public static unsafe partial class HashingBench
{
    private const int ChunkSize = 16 * 1024 * 1024;
    private const int ReadSize = 1024 * 1024;
    private const int PageSize = 4096;

    public static Task RunAsync(int sizeMib, int runs, string memhog, string criuPath, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cryo-bench-hashing-{Environment.ProcessId}.img");
        try
        {
            WriteRandomFile(path, (long)sizeMib * 1024 * 1024);
            using var handle = File.OpenHandle(path);
            var variants = new (string Name, Func<SafeFileHandle, long> Hash)[]
            {
                ("read_dotnet", ReadDotnet),
                ("mmap_dotnet", MmapDotnet),
                ("read_paired", ReadPaired),
                ("mmap_paired", MmapPaired),
                ("pages_dotnet", PagesDotnet),
                ("pages_paired", PagesPaired),
                ("pages_batch", PagesBatch),
                // The agent's own paths: what a dump's hasher does with pages images as CRIU writes them (reads, page digests
                // and the chunk digests made of them), and what a restore's verification does with them and with plain digests.
                ("agent_pages_read", file => AgentPagesRead(file)),
                ("agent_pages_verify", file => AgentVerify(path, DigestAlgorithms.Sha256OfPages)),
                ("agent_plain_verify", file => AgentVerify(path, null)),
            };
            var seconds = variants.ToDictionary(v => v.Name, _ => new List<double>());
            foreach (var variant in variants)
            {
                variant.Hash(handle); // warm: page cache, JIT, library load
            }
            for (var run = 0; run < runs; run++)
            {
                foreach (var (name, hash) in variants)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var before = CpuTimes.Now().Self;
                    var hashed = hash(handle);
                    seconds[name].Add(CpuTimes.Now().Self - before);
                    if (hashed != RandomAccess.GetLength(handle))
                    {
                        throw new InvalidOperationException($"{name} hashed {hashed} bytes");
                    }
                }
            }
            var gb = sizeMib * 1024.0 * 1024 / 1e9;
            var median = seconds.ToDictionary(p => p.Key, p => Emit.Median(p.Value));
            foreach (var (name, value) in median)
            {
                Emit.Metric($"hashing_{name}_gb_per_cpu_second", gb / value, "GB/s", sizeMib, runs, new Dictionary<string, double> { ["cpu_seconds"] = value });
            }
            Emit.Metric("hashing_mmap_vs_read_cpu_ratio", median["mmap_paired"] / median["read_paired"], "ratio", sizeMib, runs,
                new Dictionary<string, double> { ["dotnet"] = median["mmap_dotnet"] / median["read_dotnet"] });
            Emit.Metric("hashing_paired_vs_dotnet_cpu_ratio", median["read_paired"] / median["read_dotnet"], "ratio", sizeMib, runs,
                new Dictionary<string, double> { ["pages"] = median["pages_paired"] / median["pages_dotnet"], ["pages_batch"] = median["pages_batch"] / median["pages_dotnet"] });
            // Before issue 17 the agent hashed chunks from a mapping, paired; then chunks and pages from reads, paired; now pages, from reads.
            Emit.Metric("hashing_agent_dump_vs_mapped_chunks_cpu_ratio", median["agent_pages_read"] / median["mmap_paired"], "ratio", sizeMib, runs,
                new Dictionary<string, double> { ["chunks_and_pages_read"] = (median["read_paired"] + median["pages_paired"]) / median["mmap_paired"] });
            Emit.Metric("hashing_agent_verify_vs_mapped_chunks_cpu_ratio", median["agent_pages_verify"] / median["mmap_paired"], "ratio", sizeMib, runs,
                new Dictionary<string, double> { ["plain"] = median["agent_plain_verify"] / median["mmap_paired"], ["chunks_read"] = median["read_paired"] / median["mmap_paired"] });
            Emit.Note($"hashing: {InterleavedSha256.Description}");
        }
        finally
        {
            File.Delete(path);
        }
        return Task.CompletedTask;
    }

    private static void WriteRandomFile(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        var buffer = new byte[ReadSize];
        for (long written = 0; written < length; written += buffer.Length)
        {
            Random.Shared.NextBytes(buffer);
            stream.Write(buffer);
        }
    }

    private static long ReadDotnet(SafeFileHandle handle) => ForEachChunk(handle, (offset, length) =>
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        for (long at = offset; at < offset + length; at += ReadSize)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(ReadSize, offset + length - at)), at);
            hash.AppendData(buffer, 0, read);
        }
        ArrayPool<byte>.Shared.Return(buffer);
        _ = hash.GetHashAndReset();
    });

    private static long MmapDotnet(SafeFileHandle handle) => ForEachChunk(handle, (offset, length) =>
    {
        var address = Map(handle, offset, length);
        try
        {
            _ = SHA256.HashData(new ReadOnlySpan<byte>((void*)address, (int)length));
        }
        finally
        {
            _ = Munmap(address, (nuint)length);
        }
    });

    private static long ReadPaired(SafeFileHandle handle)
    {
        var first = new byte[ChunkSize];
        var second = new byte[ChunkSize];
        return ForEachPair(handle, (a, b, length) =>
        {
            RandomAccess.Read(handle, first.AsSpan(0, (int)length), a);
            RandomAccess.Read(handle, second.AsSpan(0, (int)length), b);
            Span<byte> da = stackalloc byte[32];
            Span<byte> db = stackalloc byte[32];
            InterleavedSha256.Hash(first.AsSpan(0, (int)length), second.AsSpan(0, (int)length), da, db);
        });
    }

    private static long MmapPaired(SafeFileHandle handle) => ForEachPair(handle, (a, b, length) =>
    {
        var first = Map(handle, a, length);
        var second = Map(handle, b, length);
        try
        {
            Span<byte> da = stackalloc byte[32];
            Span<byte> db = stackalloc byte[32];
            InterleavedSha256.Hash(new ReadOnlySpan<byte>((void*)first, (int)length), new ReadOnlySpan<byte>((void*)second, (int)length), da, db);
        }
        finally
        {
            _ = Munmap(first, (nuint)length);
            _ = Munmap(second, (nuint)length);
        }
    });

    private static long PagesDotnet(SafeFileHandle handle) => ForEachRead(handle, span =>
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> digest = stackalloc byte[32];
        for (var at = 0; at < span.Length; at += PageSize)
        {
            hash.AppendData(span.Slice(at, PageSize));
            hash.GetHashAndReset(digest);
        }
    });

    private static long PagesPaired(SafeFileHandle handle) => ForEachRead(handle, span =>
    {
        Span<byte> da = stackalloc byte[32];
        Span<byte> db = stackalloc byte[32];
        for (var at = 0; at < span.Length; at += 2 * PageSize)
        {
            InterleavedSha256.Hash(span.Slice(at, PageSize), span.Slice(at + PageSize, PageSize), da, db);
        }
    });

    // Every page of a read in one call (four lanes): what the agent's page digests cost now.
    private static long PagesBatch(SafeFileHandle handle)
    {
        var digests = new byte[ReadSize / PageSize * 32];
        return ForEachRead(handle, span => InterleavedSha256.HashMany(span, PageSize, digests));
    }

    private static long AgentPagesRead(SafeFileHandle handle)
    {
        using var hasher = RangeHasher.For(DigestAlgorithms.Sha256OfPages);
        var digests = new byte[PageDigests.SizeFor(ChunkSize)];
        var length = RandomAccess.GetLength(handle);
        var buffer = new byte[ReadSize];
        hasher.KeepPageDigests(digests);
        for (long offset = 0; offset < length; offset += ReadSize)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            hasher.Append(buffer.AsSpan(0, read));
            if ((offset + read) % ChunkSize == 0 || offset + read == length)
            {
                hasher.Finish();
                hasher.KeepPageDigests(digests);
            }
        }
        return length;
    }

    // One thread, as beside a restore on two cores.
    private static long AgentVerify(string path, string? algorithm) =>
        ChunkedSha256.ComputeAsync(path, "images/pages-1.img", ChunkSize, parallelism: 1, CancellationToken.None, algorithm).GetAwaiter().GetResult().Size;

    private static long ForEachChunk(SafeFileHandle handle, Action<long, long> hash)
    {
        var length = RandomAccess.GetLength(handle);
        for (long offset = 0; offset < length; offset += ChunkSize)
        {
            hash(offset, Math.Min(ChunkSize, length - offset));
        }
        return length;
    }

    // The file is whole chunks, an even number of them (sizes in MiB that are multiples of 32).
    private static long ForEachPair(SafeFileHandle handle, Action<long, long, long> hash)
    {
        var length = RandomAccess.GetLength(handle);
        for (long offset = 0; offset < length; offset += 2 * ChunkSize)
        {
            hash(offset, offset + ChunkSize, ChunkSize);
        }
        return length;
    }

    private static long ForEachRead(SafeFileHandle handle, SpanAction hash)
    {
        var length = RandomAccess.GetLength(handle);
        var buffer = new byte[ReadSize];
        for (long offset = 0; offset < length; offset += ReadSize)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            hash(buffer.AsSpan(0, read));
        }
        return length;
    }

    private delegate void SpanAction(ReadOnlySpan<byte> span);

    private static nint Map(SafeFileHandle handle, long offset, long length)
    {
        var address = Mmap(0, (nuint)length, 1 /* PROT_READ */, 1 /* MAP_SHARED */, (int)handle.DangerousGetHandle(), offset);
        return address == -1 ? throw new IOException($"mmap failed: errno {Marshal.GetLastPInvokeError()}") : address;
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);
}
