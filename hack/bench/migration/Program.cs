using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Cryo.Agent.Attempts;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Containers;
using Cryo.Agent.Hosting;
using Cryo.Agent.Operations;
using Cryo.Agent.Restoring;
using Cryo.Agent.Restoring.Lazy;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Testing.Certificates;
using Cryo.Agent.Transfer;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

// hack/bench-migration.sh: a checkpoint of SIZE MiB (page images in 16 MiB chunks, as CRIU's dumps are
// stored) pulled from one agent's store into another's over loopback mutual TLS, against `cat` of the
// same files through a pipe into a file on the same file system; runs alternate, medians compared. The
// puller runs with its default streams over as many connections, and with one stream beside it.
var sizeMib = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1024;
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var criuPath = Environment.GetEnvironmentVariable("CRYO_CRIU") ?? AgentOptions.BundledCriuPath;
var root = Directory.CreateTempSubdirectory("cryo-bench-migration-").FullName;
using var pki = new TestPki();
try
{
    var source = new ImageStore(new ImageStoreOptions { RootDirectory = Path.Combine(root, "a") });
    var target = new ImageStore(new ImageStoreOptions { RootDirectory = Path.Combine(root, "b") });
    var key = new CheckpointKey("default", "bench", "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a");
    Note($"writing a {sizeMib} MiB checkpoint into the source store");
    var stored = await WriteCheckpointAsync(source, key, sizeMib);
    var files = stored.Manifest.Files.Select(f => stored.ResolveFile(f.Path)).ToList();
    var totalBytes = stored.Manifest.Files.Sum(f => f.Size);

    await using var app = await StartAgentAsync(source, criuPath, pki, Path.Combine(root, "agent.sock"));
    var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
        .Single(a => a.StartsWith("https://127.0.0.1:", StringComparison.Ordinal))).Port;
    // The puller as agents use it (its default streams, each connection its own TLS session), and a single
    // stream on one connection beside it: what the parallel streams buy, measured in the same run.
    var parallel = new CheckpointPuller(target, TimeProvider.System);
    var channels = Enumerable.Range(0, parallel.Streams).Select(_ => Channel(pki, port)).ToList();
    var clients = channels.Select(c => new CheckpointTransfer.CheckpointTransferClient(c)).ToList();
    var single = new CheckpointPuller(target, TimeProvider.System) { Streams = 1 };

    // Warm-up: both read the source files once, so neither pays for the page cache.
    await CopyAsync(files, Path.Combine(root, "copy.out"));
    await parallel.PullAsync(clients, "bench-a", "default", "bench", CancellationToken.None);
    target.Delete(key);

    var transfer = new List<double>();
    var transferSingle = new List<double>();
    var copy = new List<double>();
    for (var run = 0; run < repeats; run++)
    {
        Sync();
        var clock = Stopwatch.StartNew();
        await CopyAsync(files, Path.Combine(root, "copy.out"));
        copy.Add(clock.Elapsed.TotalSeconds);
        File.Delete(Path.Combine(root, "copy.out"));

        transfer.Add(await PullAsync(parallel, clients));
        transferSingle.Add(await PullAsync(single, clients.Take(1).ToList()));
        Note($"run {run + 1}: copy {copy[^1]:0.000} s, transfer {transfer[^1]:0.000} s ({parallel.Streams} streams), {transferSingle[^1]:0.000} s (1 stream)");
    }

    var mib = totalBytes / (1024.0 * 1024);
    Metric("transfer_seconds", Median(transfer), "s", sizeMib, repeats, new() { ["streams"] = parallel.Streams });
    Metric("transfer_single_stream_seconds", Median(transferSingle), "s", sizeMib, repeats, new() { ["streams"] = 1 });
    Metric("copy_seconds", Median(copy), "s", sizeMib, repeats);
    Metric("transfer_throughput_mib_s", mib / Median(transfer), "MiB/s", sizeMib, repeats);
    Metric("copy_throughput_mib_s", mib / Median(copy), "MiB/s", sizeMib, repeats);
    Metric("transfer_single_stream_vs_copy_ratio", Median(transferSingle) / Median(copy), "ratio", sizeMib, repeats);
    Metric("transfer_vs_copy_ratio", Median(transfer) / Median(copy), "ratio", sizeMib, repeats, new() { ["target"] = 1.25 });
    foreach (var channel in channels)
    {
        channel.Dispose();
    }
    await app.StopAsync();

    async Task<double> PullAsync(CheckpointPuller puller, IReadOnlyList<CheckpointTransfer.CheckpointTransferClient> connections)
    {
        Sync();
        var clock = Stopwatch.StartNew();
        var result = await puller.PullAsync(connections, "bench-a", "default", "bench", CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        if (result.BytesReceived != totalBytes)
        {
            throw new InvalidOperationException($"the pull received {result.BytesReceived} bytes of {totalBytes}");
        }

        target.Delete(key);
        return seconds;
    }
}
finally
{
    Directory.Delete(root, recursive: true);
}

static async Task<StoredCheckpoint> WriteCheckpointAsync(ImageStore store, CheckpointKey key, int sizeMib)
{
    using var pending = store.Begin(key);
    var buffer = new byte[1024 * 1024];
    var random = new Random(7);
    await using (var pages = File.Create(Path.Combine(pending.ImagesDirectory, "pages-1.img")))
    {
        for (var i = 0; i < sizeMib; i++)
        {
            random.NextBytes(buffer);
            await pages.WriteAsync(buffer);
        }
    }

    await File.WriteAllBytesAsync(Path.Combine(pending.ImagesDirectory, "pagemap-1.img"), buffer.AsMemory(0, 4096).ToArray());
    await File.WriteAllTextAsync(Path.Combine(pending.LogsDirectory, "dump.log"), "bench\n");
    return await store.CommitAsync(pending, new CheckpointManifest { Key = key, CreatedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
}

// `cat FILES | cat > OUT`: the bytes read, through a pipe, written on the same file system.
static async Task CopyAsync(IReadOnlyList<string> files, string output)
{
    var quoted = string.Join(' ', files.Select(f => $"'{f}'"));
    using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", $"cat {quoted} | cat > '{output}'"]) { UseShellExecute = false })!;
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"cat exited {process.ExitCode}");
    }
}

static async Task<WebApplication> StartAgentAsync(ImageStore store, string criuPath, TestPki pki, string socket)
{
    var options = new EngineOptions { RunDirectory = Path.Combine(Path.GetDirectoryName(socket)!, "run"), NodeName = "bench-a" };
    var criu = new CriuCli(criuPath, NullLogger<CriuCli>.Instance);
    var procFs = new ProcFs();
    var resolver = new ContainerResolver(procFs);
    var engineOptions = Microsoft.Extensions.Options.Options.Create(options);
    var app = AgentHost.Build([], builder =>
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:SocketPath"] = socket,
            ["Agent:CriuPath"] = criuPath,
            ["Agent:NodeName"] = "bench-a",
            ["Agent:ListenAddress"] = "127.0.0.1",
            ["Agent:TcpPort"] = "0",
            ["Agent:TlsCertificatePath"] = pki.AgentCertificatePath,
            ["Agent:TlsKeyPath"] = pki.AgentKeyPath,
            ["Agent:ClientCaPath"] = pki.CaPath,
            ["Store:RootDirectory"] = store.RootDirectory,
            ["Transfer:MaxParallelStreams"] = "8",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Services.AddSingleton<ICheckpointEngine>(new CheckpointEngine(store, resolver, criu, new CriuFacts(criu), procFs, engineOptions, NullLogger<CheckpointEngine>.Instance));
        // The bench restores eagerly; the restore engine still needs the lazy-transfer service it would hand lazy restores to.
        var lazyTransfers = new LazyTransfers(criuPath, async ct => await criu.DetectCapabilitiesAsync(ct), procFs, engineOptions, NullLogger<LazyTransfers>.Instance);
        builder.Services.AddSingleton<IRestoreEngine>(new RestoreEngine(store, resolver, criu, procFs, lazyTransfers, engineOptions, NullLogger<RestoreEngine>.Instance));
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<ICriu>(criu);
    });
    await app.StartAsync();
    return app;
}

static GrpcChannel Channel(TestPki pki, int port)
{
    var handler = new SocketsHttpHandler
    {
        InitialHttp2StreamWindowSize = CheckpointPuller.RecommendedStreamWindowBytes,
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = new X509CertificateCollection { pki.Operator },
            RemoteCertificateValidationCallback = (_, server, _, _) =>
            {
                if (server is null)
                {
                    return false;
                }

                using var leaf = X509CertificateLoader.LoadCertificate(server.GetRawCertData());
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(pki.Ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(leaf);
            },
        },
    };
    return GrpcChannel.ForAddress($"https://localhost:{port}", new GrpcChannelOptions { HttpHandler = handler });
}

static void Sync()
{
    using var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false })!;
    sync.WaitForExit();
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static void Metric(string metric, double value, string unit, int sizeMib, int runs, Dictionary<string, double>? parts = null)
{
    var fields = new Dictionary<string, object> { ["metric"] = metric, ["value"] = Math.Round(value, 4), ["unit"] = unit, ["size_mib"] = sizeMib, ["runs"] = runs };
    foreach (var (name, part) in parts ?? [])
    {
        fields[name] = part;
    }

    Console.Out.WriteLine(JsonSerializer.Serialize(fields));
}

static void Note(string text) => Console.Error.WriteLine($"[bench {DateTime.UtcNow:HH:mm:ss}] {text}");
