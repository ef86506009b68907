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
using Cryo.Testing.Agent;
using Cryo.Testing.Certificates;
using Cryo.Agent.Transfer;
using Cryo.Bench.Migration;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

// hack/bench-migration.sh: a checkpoint of SIZE MiB (page images in 16 MiB chunks, as CRIU's dumps are
// stored) pulled from one agent's store into another's over loopback mutual TLS, against `cat` of the
// same files through a pipe into a file on the same file system; runs alternate, medians compared. The
// puller runs with its default streams over as many connections, and with one stream beside it.
var profile = args.Contains("--profile");
// --pull-only: the single-stream pull alone, REPEATS times, for a profiler attached to this process (perf record -p).
var pullOnly = args.Contains("--pull-only");
// --plain-digests: the pages image listed by its plain SHA-256, as before manifest schema 4, instead of by its pages'
// digests as the checkpoint engine lists every pages image it dumps (what a pull of a real checkpoint verifies).
var plainDigests = args.Contains("--plain-digests");
var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
var sizeMib = positional.Length > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 1024;
var repeats = positional.Length > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 3;
var criuPath = Environment.GetEnvironmentVariable("CRYO_CRIU") ?? AgentOptions.BundledCriuPath;
var root = Directory.CreateTempSubdirectory("cryo-bench-migration-").FullName;
using var pki = new TestPki();
try
{
    var source = new ImageStore(new ImageStoreOptions { RootDirectory = Path.Combine(root, "a") });
    var target = new ImageStore(new ImageStoreOptions { RootDirectory = Path.Combine(root, "b") });
    var key = new CheckpointKey("default", "bench", "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a");
    Note($"writing a {sizeMib} MiB checkpoint into the source store");
    var stored = await WriteCheckpointAsync(source, key, sizeMib, plainDigests);
    var files = stored.Manifest.Files.Select(f => stored.ResolveFile(f.Path)).ToList();
    var totalBytes = stored.Manifest.Files.Sum(f => f.Size);

    await using var agent = await StartAgentAsync(source, criuPath, pki, Path.Combine(root, "run"));
    var port = agent.TlsPort!.Value;
    // The puller over 4 streams (each connection its own TLS session; agents default to half their cores,
    // CheckpointPuller.DefaultStreams), and a single stream on one connection beside it: what the parallel streams buy,
    // measured in the same run.
    var parallel = new CheckpointPuller(target, TimeProvider.System) { Streams = 4 };
    var handlers = Enumerable.Range(0, parallel.Streams).Select(_ => Handler(pki)).ToList();
    var channels = handlers.Select(h => GrpcChannel.ForAddress($"https://localhost:{port}", new GrpcChannelOptions { HttpHandler = h })).ToList();
    var clients = handlers.Select((h, i) => new PeerConnection(new CheckpointTransfer.CheckpointTransferClient(channels[i]),
        new HttpClient(BytesHandler(pki)) { BaseAddress = new Uri($"https://localhost:{port}"), Timeout = Timeout.InfiniteTimeSpan })).ToList();
    // The file bytes as gRPC messages, as every pull fetched them before CheckpointBytesEndpoint: measured beside it.
    var overGrpc = clients.Select(c => c with { Bytes = null }).ToList();
    var single = new CheckpointPuller(target, TimeProvider.System) { Streams = 1 };

    // Warm-up: both read the source files once, so neither pays for the page cache.
    await CopyAsync(files, Path.Combine(root, "copy.out"));
    await parallel.PullAsync(clients, "bench-a", "default", "bench", progress: null, CancellationToken.None);
    target.Delete(key);

    var cpuSeconds = new Dictionary<string, List<double>> { ["transfer"] = [], ["transfer_single_stream"] = [], ["transfer_grpc_messages"] = [] };
    if (profile)
    {
        await ProfileAsync();
        return;
    }

    if (pullOnly)
    {
        Note($"pid {Environment.ProcessId}: pulling over one stream {repeats} times");
        var pulls = new List<double>();
        for (var run = 0; run < repeats; run++)
        {
            pulls.Add(await PullAsync(single, clients.Take(1).ToList()));
            Note($"run {run + 1}: {pulls[^1]:0.000} s, {cpuSeconds["transfer_single_stream"][^1]:0.000} cpu");
        }

        Metric("transfer_single_stream_seconds", Median(pulls), "s", sizeMib, repeats, new() { ["streams"] = 1 });
        Metric("transfer_single_stream_cpu_seconds", Median(cpuSeconds["transfer_single_stream"]), "s", sizeMib, repeats);
        return;
    }

    var transfer = new List<double>();
    var transferSingle = new List<double>();
    var transferGrpc = new List<double>();
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
        transferGrpc.Add(await PullAsync(single, overGrpc.Take(1).ToList()));
        Note($"run {run + 1}: copy {copy[^1]:0.000} s, transfer {transfer[^1]:0.000} s ({parallel.Streams} streams), {transferSingle[^1]:0.000} s (1 stream), {transferGrpc[^1]:0.000} s (1 stream, bytes as gRPC messages)");
    }

    var mib = totalBytes / (1024.0 * 1024);
    Metric("transfer_seconds", Median(transfer), "s", sizeMib, repeats, new() { ["streams"] = parallel.Streams });
    Metric("transfer_single_stream_seconds", Median(transferSingle), "s", sizeMib, repeats, new() { ["streams"] = 1 });
    Metric("transfer_grpc_messages_seconds", Median(transferGrpc), "s", sizeMib, repeats, new() { ["streams"] = 1 });
    Metric("copy_seconds", Median(copy), "s", sizeMib, repeats);
    foreach (var (name, values) in cpuSeconds)
    {
        Metric($"{name}_cpu_seconds", Median(values), "s", sizeMib, repeats);
    }

    Metric("transfer_throughput_mib_s", mib / Median(transfer), "MiB/s", sizeMib, repeats);
    Metric("copy_throughput_mib_s", mib / Median(copy), "MiB/s", sizeMib, repeats);
    Metric("transfer_single_stream_vs_copy_ratio", Median(transferSingle) / Median(copy), "ratio", sizeMib, repeats);
    Metric("transfer_grpc_messages_vs_copy_ratio", Median(transferGrpc) / Median(copy), "ratio", sizeMib, repeats);
    Metric("transfer_vs_copy_ratio", Median(transfer) / Median(copy), "ratio", sizeMib, repeats, new() { ["target"] = 1.25 });
    foreach (var channel in channels)
    {
        channel.Dispose();
    }
    await agent.StopAsync(CancellationToken.None);

    // --profile: one single-stream pull taken apart, each stage alone over the same bytes, runs alternated.
    async Task ProfileAsync()
    {
        using var unix = UnixChannel(agent.SocketPath);
        var overUnix = new CheckpointTransfer.CheckpointTransferClient(unix);
        var stages = new Dictionary<string, List<StageProfile.Stage>>();
        for (var run = 0; run < repeats; run++)
        {
            Sync();
            Add(await StageProfile.MeasureAsync("cat", () => CopyAsync(files, Path.Combine(root, "copy.out"))));
            File.Delete(Path.Combine(root, "copy.out"));
            Add(await StageProfile.MeasureAsync("read", () => StageProfile.ReadAsync(files)));
            Add(await StageProfile.MeasureAsync("stream_unix", () => StageProfile.DiscardAsync(overUnix, "default", "bench")));
            Add(await StageProfile.MeasureAsync("stream_tls", () => StageProfile.DiscardAsync(clients[0].Transfer, "default", "bench")));
            Add(await StageProfile.MeasureAsync("stream_bytes_tls", () => StageProfile.DiscardBytesAsync(clients[0].Bytes!, "default", "bench", totalBytes)));
            Add(await StageProfile.MeasureAsync("hash", () => Task.Run(() => StageProfile.Hash(stored.Manifest))));
            Sync();
            Add(await StageProfile.MeasureAsync("write", () => Task.Run(() => StageProfile.Write(Path.Combine(root, "write.out"), totalBytes))));
            Sync();
            Add(await StageProfile.MeasureAsync("pull_1_stream", () => PullAsync(single, clients.Take(1).ToList())));
            Add(await StageProfile.MeasureAsync("pull_1_stream_grpc_messages", () => PullAsync(single, overGrpc.Take(1).ToList())));
            Add(await StageProfile.MeasureAsync($"pull_{parallel.Streams}_streams", () => PullAsync(parallel, clients)));
            Note($"run {run + 1}: " + string.Join(", ", stages.Select(s => $"{s.Key} {s.Value[^1].WallSeconds:0.000} s ({s.Value[^1].CpuSeconds:0.000} cpu)")));
        }

        foreach (var (name, runs) in stages)
        {
            Metric($"stage_{name}_seconds", Median([.. runs.Select(r => r.WallSeconds)]), "s", sizeMib, repeats);
            Metric($"stage_{name}_cpu_seconds", Median([.. runs.Select(r => r.CpuSeconds)]), "s", sizeMib, repeats);
            Metric($"stage_{name}_allocated_mib", Median([.. runs.Select(r => r.AllocatedBytes / (1024.0 * 1024))]), "MiB", sizeMib, repeats);
            Metric($"stage_{name}_gen2_collections", Median([.. runs.Select(r => (double)r.Gen2Collections)]), "count", sizeMib, repeats);
        }

        void Add(StageProfile.Stage stage)
        {
            if (!stages.TryGetValue(stage.Name, out var list))
            {
                stages[stage.Name] = list = [];
            }

            list.Add(stage);
        }
    }

    async Task<double> PullAsync(CheckpointPuller puller, IReadOnlyList<PeerConnection> connections)
    {
        Sync();
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var result = await puller.PullAsync(connections, "bench-a", "default", "bench", progress: null, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        // Both agents' CPU: on a machine others load, what the pull needs, beside the share of it that it got.
        cpuSeconds[puller == parallel ? "transfer" : connections[0].Bytes is null ? "transfer_grpc_messages" : "transfer_single_stream"]
            .Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
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

// The images hashed as they are written, as the checkpoint engine hashes CRIU's (the pages image by its pages' digests),
// or with plainDigests left for the commit to hash whole.
static async Task<StoredCheckpoint> WriteCheckpointAsync(ImageStore store, CheckpointKey key, int sizeMib, bool plainDigests)
{
    using var pending = store.Begin(key);
    await using var hasher = plainDigests ? null : pending.StartHashingImages(CancellationToken.None);
    var buffer = new byte[1024 * 1024];
    var random = new Random(7);
    // Shared, as CRIU's files are: the hasher reads them as they grow.
    await using (var pages = new FileStream(Path.Combine(pending.ImagesDirectory, "pages-1.img"), FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
    {
        for (var i = 0; i < sizeMib; i++)
        {
            random.NextBytes(buffer);
            await pages.WriteAsync(buffer);
        }
    }

    await File.WriteAllBytesAsync(Path.Combine(pending.ImagesDirectory, "pagemap-1.img"), buffer.AsMemory(0, 4096).ToArray());
    await File.WriteAllTextAsync(Path.Combine(pending.LogsDirectory, "dump.log"), "bench\n");
    var manifest = new CheckpointManifest { Key = key, CreatedAt = DateTimeOffset.UtcNow };
    if (hasher is not null)
    {
        manifest.Files = [.. await hasher.CompleteAsync(CancellationToken.None)];
    }

    var stored = await store.CommitAsync(pending, manifest, CancellationToken.None);
    Note($"the pages image is listed by {stored.Manifest.Files.Single(f => f.Path.EndsWith("pages-1.img", StringComparison.Ordinal)).DigestAlgorithm ?? "sha256"}");
    return stored;
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

// The source node's agent: the shared in-process agent, built as the agent's Program.cs builds it, over real engines on
// the bench's store, with its mutual-TLS listener on a free loopback port.
static Task<InProcessAgent> StartAgentAsync(ImageStore store, string criuPath, TestPki pki, string runDirectory) =>
    InProcessAgent.StartAsync(
        InProcessAgent.WithTls(pki, settings =>
        {
            settings["Agent:CriuPath"] = criuPath;
            settings["Agent:NodeName"] = "bench-a";
            settings["Store:RootDirectory"] = store.RootDirectory;
            settings["Transfer:MaxParallelStreams"] = "8";
        }),
        services =>
        {
            var engineOptions = Microsoft.Extensions.Options.Options.Create(new EngineOptions { RunDirectory = runDirectory, NodeName = "bench-a" });
            var criu = new CriuCli(criuPath, NullLogger<CriuCli>.Instance);
            var procFs = new ProcFs();
            var resolver = new ContainerResolver(procFs);
            services.AddSingleton<ICheckpointEngine>(new CheckpointEngine(store, resolver, criu, new CriuFacts(criu), procFs, engineOptions, NullLogger<CheckpointEngine>.Instance));
            // The bench restores eagerly; the restore engine still needs the lazy-transfer service it would hand lazy restores to.
            var lazyTransfers = new LazyTransfers(criuPath, async ct => await criu.DetectCapabilitiesAsync(ct), procFs, engineOptions, NullLogger<LazyTransfers>.Instance);
            services.AddSingleton<IRestoreEngine>(new RestoreEngine(store, resolver, criu, procFs, lazyTransfers, engineOptions, NullLogger<RestoreEngine>.Instance));
            services.AddSingleton(store);
            services.AddSingleton<ICriu>(criu);
        },
        CancellationToken.None);

static SocketsHttpHandler Handler(TestPki pki)
{
    return new SocketsHttpHandler
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
}

// The bytes endpoint's client as PeerConnections makes it: the socket read ahead under TLS.
static SocketsHttpHandler BytesHandler(TestPki pki)
{
    var handler = Handler(pki);
    handler.ConnectCallback = ReadAheadStream.ConnectAsync;
    return handler;
}

static GrpcChannel UnixChannel(string socket)
{
    var handler = new SocketsHttpHandler
    {
        InitialHttp2StreamWindowSize = CheckpointPuller.RecommendedStreamWindowBytes,
        ConnectCallback = async (_, ct) =>
        {
            var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            await client.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket), ct);
            return new System.Net.Sockets.NetworkStream(client, ownsSocket: true);
        },
    };
    return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler });
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
