using System.Diagnostics;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Transfer;
using Cryo.Agent.Store.Manifest;
using Cryo.Contracts.Agent.V1;
using Grpc.Core;

namespace Cryo.Bench.Migration;

/// <summary>
/// One transfer taken apart (`--profile`): each stage of a single-stream pull alone over the same files, in
/// this process (both agents run in it, so its CPU time is both ends'): the sender's reads, the stream over
/// the agent's Unix socket (no TLS) and over mutual TLS with the chunks dropped on arrival, hashing in the
/// manifest's form, the writes, and the whole pull. Wall and CPU seconds, bytes allocated and gen-2 GCs each.
/// </summary>
internal static class StageProfile
{
    public static async Task<Stage> MeasureAsync(string name, Func<Task> run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var gen2 = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        await run();
        var wall = clock.Elapsed.TotalSeconds;
        return new Stage(name, wall, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds,
            GC.GetTotalAllocatedBytes(precise: true) - allocated, GC.CollectionCount(2) - gen2);
    }

    /// <summary>Reads every file in 1 MiB chunks, as the sender does.</summary>
    public static async Task ReadAsync(IReadOnlyList<string> files)
    {
        var buffer = new byte[1024 * 1024];
        foreach (var file in files)
        {
            using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            long at = 0;
            int read;
            while ((read = await RandomAccess.ReadAsync(handle, buffer, at)) > 0)
            {
                at += read;
            }
        }
    }

    /// <summary>Streams the whole checkpoint and drops every chunk on arrival: what the wire costs.</summary>
    public static async Task<long> DiscardAsync(CheckpointTransfer.CheckpointTransferClient client, string @namespace, string name)
    {
        using var call = client.FetchCheckpoint(new FetchCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = @namespace, Name = name } });
        long bytes = 0;
        await foreach (var part in call.ResponseStream.ReadAllAsync())
        {
            bytes += part.PartCase == CheckpointPart.PartOneofCase.Chunk ? part.Chunk.Data.Length : 0;
        }

        return bytes;
    }

    /// <summary>Streams every file's bytes from the bytes endpoint and drops them on arrival.</summary>
    public static async Task<long> DiscardBytesAsync(HttpClient client, string @namespace, string name, long length)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{CheckpointBytesEndpoint.Pattern}?namespace={@namespace}&name={name}&length={length}")
        {
            Version = System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1024 * 1024];
        long bytes = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
        }

        return bytes;
    }

    /// <summary>Hashes every file's ranges in its manifest form, from a buffer (no reads): what verification costs.</summary>
    public static void Hash(CheckpointManifest manifest)
    {
        var buffer = new byte[1024 * 1024];
        Random.Shared.NextBytes(buffer);
        using var plain = RangeHasher.For(null);
        using var pages = RangeHasher.For(DigestAlgorithms.Sha256OfPages);
        foreach (var file in manifest.Files)
        {
            foreach (var range in file.Ranges())
            {
                var hasher = range.OfPages ? pages : plain;
                for (long at = 0; at < range.Length; at += buffer.Length)
                {
                    hasher.Append(buffer.AsSpan(0, (int)Math.Min(buffer.Length, range.Length - at)));
                }

                hasher.Finish();
            }
        }
    }

    /// <summary>Writes as many bytes as the files hold into one new file in 1 MiB writes, as the receiver does.</summary>
    public static void Write(string path, long bytes)
    {
        var buffer = new byte[1024 * 1024];
        using (var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(handle, bytes);
            for (long at = 0; at < bytes; at += buffer.Length)
            {
                RandomAccess.Write(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, bytes - at)), at);
            }
        }

        File.Delete(path);
    }

    /// <summary>One stage's figures.</summary>
    internal sealed record Stage(string Name, double WallSeconds, double CpuSeconds, long AllocatedBytes, int Gen2Collections);
}
