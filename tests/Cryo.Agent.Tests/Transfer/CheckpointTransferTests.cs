using System.Diagnostics;
using Cryo.Agent.Tests.Grpc;
using Cryo.Agent.Tests.Store;
using Cryo.Agent.Transfer;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu.Images;
using Cryo.Testing.Agent.Harness;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cryo.Agent.Tests.Transfer;

/// <summary>Two agents with separate stores on one machine stand in for two nodes; the transfer runs over real mutual TLS.</summary>
public sealed class CheckpointTransferTests(TestPkiFixture fixture) : IClassFixture<TestPkiFixture>
{
    private const int PagesBytes = 40 * 1024 * 1024;
    private const string PagesPath = "images/pages-1.img";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private TestPki Pki => fixture.Pki;

    [Theory]
    [InlineData(null)]
    [InlineData(DigestAlgorithms.Sha256OfPages)]
    public async Task Pull_Should_CommitACheckpointIdenticalToTheSources_When_PulledFromAnotherAgent(string? pagesDigest)
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes, pagesDigest);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");

        var result = await Puller(target).PullAsync(agent.TransferClient(Pki), "node-a", "default", "big", CancellationToken.None);

        var pulled = Assert.Single(target.Store.List());
        Assert.Equal(stored.Key, pulled.Key);
        await ChecksumVerifier.VerifyAsync(pulled, CancellationToken.None);
        Assert.Equal(Digests(stored), Digests(pulled));
        Assert.Equal(File.ReadAllBytes(stored.ResolveFile(PagesPath)), File.ReadAllBytes(pulled.ResolveFile(PagesPath)));
        Assert.Equal(stored.Manifest.Files.Sum(f => f.Size), result.BytesReceived);
        Assert.Equal(0, Assert.Single(result.Requests).Offset);
        Assert.Empty(target.Store.ListAbandoned());
    }

    [Fact]
    public async Task Pull_Should_FetchEachSegmentOnceOverParallelStreams_When_TheCheckpointSpansSeveralSegments()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a", s => s["Transfer:MaxParallelStreams"] = "3");
        var puller = new CheckpointPuller(target.Store, TimeProvider.System) { Streams = 3, SegmentBytes = ChunkedSha256.DefaultChunkSize };

        var result = await puller.PullAsync([agent.TransferClient(Pki), agent.TransferClient(Pki), agent.TransferClient(Pki)], "node-a", "default", "big", CancellationToken.None);

        // 40 MiB of pages in 16 MiB ranges: three segments of the page image at least, each asked for once.
        var pages = result.Requests.Where(r => r.Path == PagesPath).Select(r => r.Offset).Order().ToList();
        Assert.Equal([0, ChunkedSha256.DefaultChunkSize, 2L * ChunkedSha256.DefaultChunkSize], pages);
        Assert.Equal(result.Requests.Count, result.Requests.Distinct().Count());
        Assert.Equal(stored.Manifest.Files.Sum(f => f.Size), result.BytesReceived);
        await ChecksumVerifier.VerifyAsync(Assert.Single(target.Store.List()), CancellationToken.None);
        Assert.Equal(File.ReadAllBytes(stored.ResolveFile(PagesPath)), File.ReadAllBytes(target.Store.List()[0].ResolveFile(PagesPath)));
    }

    [Fact]
    public async Task Pull_Should_LeaveTheRefusedStreamsSegmentsToTheOthers_When_TheSourceServesFewerStreamsThanThePullerRuns()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a", s => s["Transfer:MaxParallelStreams"] = "1");
        var puller = new CheckpointPuller(target.Store, TimeProvider.System) { Streams = 4, SegmentBytes = ChunkedSha256.DefaultChunkSize, ResumeDelay = TimeSpan.FromMilliseconds(50) };

        var result = await puller.PullAsync([agent.TransferClient(Pki), agent.TransferClient(Pki)], "node-a", "default", "big", CancellationToken.None);

        Assert.Equal(stored.Manifest.Files.Sum(f => f.Size), result.BytesReceived);
        await ChecksumVerifier.VerifyAsync(Assert.Single(target.Store.List()), CancellationToken.None);
        Assert.Empty(target.Store.ListAbandoned());
    }

    [Fact]
    public async Task Pull_Should_ResumeFromWhatLanded_When_TheTargetAgentRestartsMidPull()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes);
        var total = stored.Manifest.Files.Sum(f => f.Size);
        // Slow enough (about 5 s for 40 MiB) that the restart comes mid-way.
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a", s => s["Transfer:MaxBytesPerSecond"] = $"{8 * 1024 * 1024}");
        var agentB = await PeerAgents.StartAsync(target, Pki, "node-b");
        var firstRange = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new Progress<PullProgress>(p =>
        {
            if (p.BytesVerified >= ChunkedSha256.DefaultChunkSize)
            {
                firstRange.TrySetResult();
            }
        });
        var puller = new CheckpointPuller(agentB.Services.GetRequiredService<ImageStore>(), TimeProvider.System) { Streams = 1, SegmentBytes = ChunkedSha256.DefaultChunkSize };
        var interrupted = puller.PullAsync([agentA.TransferClient(Pki)], "node-a", "default", "big", progress,
            agentB.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        await firstRange.Task.WaitAsync(Patience);

        await agentB.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => interrupted);
        var restartedStore = new ImageStore(new ImageStoreOptions { RootDirectory = target.StoreRoot });
        await using var restarted = await PeerAgents.StartAsync(target, Pki, "node-b", store: restartedStore);
        var result = await new CheckpointPuller(restartedStore, TimeProvider.System) { SegmentBytes = ChunkedSha256.DefaultChunkSize }
            .PullAsync(agentA.TransferClient(Pki), "node-a", "default", "big", CancellationToken.None);

        Assert.InRange(result.BytesResumed, ChunkedSha256.DefaultChunkSize, total - 1);
        Assert.Equal(total - result.BytesResumed, result.BytesReceived);
        Assert.DoesNotContain(new ResumePoint(PagesPath, 0), result.Requests);
        await ChecksumVerifier.VerifyAsync(Assert.Single(restartedStore.List()), CancellationToken.None);
        Assert.Empty(restartedStore.ListAbandoned());
    }

    [Fact]
    public async Task Fetch_Should_SendTheManifestAndExactlyLengthBytesFromTheResumePoint_When_ALengthIsGiven()
    {
        using var source = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");
        var client = agent.TransferClient(Pki);
        const long Start = 5L * 1024 * 1024;
        const long Length = (3L * 1024 * 1024) + 17;

        using var call = client.FetchCheckpoint(
            new FetchCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "big" }, StartPath = PagesPath, StartOffset = Start, Length = Length },
            deadline: DateTime.UtcNow + Patience);
        var parts = await call.ResponseStream.ReadAllAsync().ToListAsync();
        using var manifestOnly = client.FetchCheckpoint(
            new FetchCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "big" }, ManifestOnly = true },
            deadline: DateTime.UtcNow + Patience);
        var onlyParts = await manifestOnly.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(CheckpointPart.PartOneofCase.Manifest, parts[0].PartCase);
        var chunks = parts.Skip(1).Select(p => p.Chunk).ToList();
        Assert.All(chunks, c => Assert.Equal(PagesPath, c.Path));
        Assert.Equal(Start, chunks[0].Offset);
        var sent = chunks.SelectMany(c => c.Data.ToByteArray()).ToArray();
        Assert.Equal(File.ReadAllBytes(stored.ResolveFile(PagesPath)).AsSpan((int)Start, (int)Length).ToArray(), sent);
        Assert.Equal(CheckpointPart.PartOneofCase.Manifest, Assert.Single(onlyParts).PartCase);
    }

    [Fact]
    public async Task Pull_Should_ResumeFromTheLastVerifiedChunk_When_TheConnectionIsCutMidTransfer()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");
        // Cut once about 26 MiB have gone towards the puller: inside the page image's second 16 MiB chunk.
        await using var proxy = new CuttingProxy(agent.TlsPort!.Value, cutAfterBytes: 26L * 1024 * 1024);

        var result = await Puller(target).PullAsync(agent.TransferClient(Pki, proxy.Port), "node-a", "default", "big", CancellationToken.None);

        var total = stored.Manifest.Files.Sum(f => f.Size);
        Assert.Equal(1, proxy.Cuts);
        Assert.Equal(2, result.Requests.Count);
        Assert.Equal(PagesPath, result.Requests[1].Path);
        Assert.Equal(0, result.Requests[1].Offset % ChunkedSha256.DefaultChunkSize);
        Assert.True(result.BytesReceived - total < ChunkedSha256.DefaultChunkSize,
            $"{result.BytesReceived - total} bytes were fetched twice: more than the one unverified chunk the cut interrupted");
        await ChecksumVerifier.VerifyAsync(Assert.Single(target.Store.List()), CancellationToken.None);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(DigestAlgorithms.Sha256OfPages)]
    public async Task Pull_Should_FailNamingTheFileAndRange_And_CommitNothing_When_TheSourcesCopyHasACorruptedByte(string? pagesDigest)
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes, pagesDigest);
        FileDamage.FlipByte(stored.ResolveFile(PagesPath), at: (16L * 1024 * 1024) + 12345, 0x5a);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");

        var error = await Assert.ThrowsAsync<TransferVerificationException>(() =>
            Puller(target).PullAsync(agent.TransferClient(Pki), "node-a", "default", "big", CancellationToken.None));
        var status = Cryo.Agent.Grpc.StatusMapper.ToRpcException(error);

        Assert.Equal(PagesPath, error.RelativePath);
        Assert.Equal(ChunkedSha256.DefaultChunkSize, error.Offset);
        Assert.Equal(ChunkedSha256.DefaultChunkSize, error.Length);
        Assert.Contains("images/pages-1.img bytes 16777216-33554431", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was committed", error.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, status.StatusCode);
        Assert.Equal("CHECKPOINT_CORRUPTED", status.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Empty(target.Store.List());
        Assert.Empty(target.Store.ListAbandoned());
    }

    [Fact]
    public async Task Fetch_Should_RefuseWithResourceExhausted_When_MoreStreamsThanTheAgentsLimit_And_ServeAgainOnceOneEnds()
    {
        using var source = new TestEngines();
        await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a", s => s["Transfer:MaxParallelStreams"] = "1");
        var client = agent.TransferClient(Pki);
        var request = new FetchCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "big" } };

        RpcException? refused;
        using (var first = client.FetchCheckpoint(request, deadline: DateTime.UtcNow + Patience))
        {
            Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));
            using var second = client.FetchCheckpoint(request, deadline: DateTime.UtcNow + Patience);
            refused = await Assert.ThrowsAsync<RpcException>(() => second.ResponseStream.MoveNext(CancellationToken.None));
        }

        var servedAgain = await FirstPartAfterRefusalsAsync(client, request);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var info = refused.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("TRANSFER_LIMIT", info.Reason);
        Assert.Equal("1", info.Metadata["max_parallel_streams"]);
        Assert.Contains("Transfer:MaxParallelStreams", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(CheckpointPart.PartOneofCase.Manifest, servedAgain.PartCase);
    }

    [Fact]
    public async Task Fetch_Should_HoldAllStreamsToTheBandwidthLimit_When_OneIsSet()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("small"), 6 * 1024 * 1024);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a", s => s["Transfer:MaxBytesPerSecond"] = $"{8 * 1024 * 1024}");
        var clock = Stopwatch.StartNew();

        await Puller(target).PullAsync(agent.TransferClient(Pki), "node-a", "default", "small", CancellationToken.None);

        // 6 MiB and a little at 8 MiB/s: the first chunk goes at once, the rest take at least 0.6 s.
        var total = stored.Manifest.Files.Sum(f => f.Size);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(((double)total / (8 * 1024 * 1024)) - 0.15), $"pulled {total} bytes in {clock.Elapsed}");
    }

    [Fact]
    public async Task Pull_Should_FailWithNotFound_When_TheSourceHasNoSuchCheckpoint()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Puller(target).PullAsync(agent.TransferClient(Pki), "node-a", "default", "absent", CancellationToken.None));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Empty(target.Store.List());
        Assert.Empty(target.Store.ListAbandoned());
    }

    [Fact]
    public async Task Restore_Should_ContinueTheCounterOnTheSecondAgent_When_ItsCheckpointWasPulledFromTheFirst()
    {
        await using var nodes = await CounterOnTwoAgents.StartAsync(Pki);

        var pulled = await Puller(nodes.Target).PullAsync(nodes.AgentA.TransferClient(Pki), "node-a", "default", CounterOnTwoAgents.Name, CancellationToken.None);
        var (restored, values) = await nodes.RestoreOnNodeBAsync(nodes.AgentB.UnixClient(), "restore-pulled-1");

        Assert.True(pulled.Checkpoint.Manifest.MemoryPagesBytes > 0);
        Assert.Equal(1, restored.NamespacePid);
        Assert.InRange(values[0], nodes.Before + 1, nodes.AtKill + 1);
    }

    [Fact]
    public async Task PullCheckpoint_Should_PullFromTheSourceAgentWithProgress_And_RestoreThere_When_TheTargetAgentIsAsked()
    {
        await using var nodes = await CounterOnTwoAgents.StartAsync(Pki);
        var client = nodes.AgentB.UnixClient();

        using var call = client.PullCheckpoint(
            new PullCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = CounterOnTwoAgents.Name }, SourceAddress = nodes.AgentA.TlsAddress, SourceNode = "node-a" },
            deadline: DateTime.UtcNow + Patience);
        var events = await call.ResponseStream.ReadAllAsync().ToListAsync();
        var (_, values) = await nodes.RestoreOnNodeBAsync(client, "restore-pulled-2");

        var stored = Assert.Single(nodes.Source.Store.List());
        var total = stored.Manifest.Files.Sum(f => f.Size);
        var progress = events.Where(e => e.EventCase == PullCheckpointEvent.EventOneofCase.Progress).Select(e => e.Progress).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, p => Assert.Equal(total, p.BytesTotal));
        Assert.Equal(PullCheckpointEvent.EventOneofCase.Result, events[^1].EventCase);
        Assert.Equal(total, events[^1].Result.BytesReceived);
        Assert.Equal(stored.Key, Assert.Single(nodes.Target.Store.List()).Key);
        Assert.InRange(values[0], nodes.Before + 1, nodes.AtKill + 1);
        Assert.Contains($"cryo_agent_transfer_bytes_total{{direction=\"received\"}} {total}", await MetricsOfAsync(nodes.AgentB), StringComparison.Ordinal);
        Assert.Contains($"cryo_agent_transfer_bytes_total{{direction=\"sent\"}} {total}", await MetricsOfAsync(nodes.AgentA), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_Should_RefuseAnotherAgentsCertificate_When_ItCallsTheAgentApiRatherThanCheckpointTransfer()
    {
        using var source = new TestEngines();
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");
        // The agents' own certificate, as another agent pulling from this one presents it.
        var channel = agent.TlsChannel(Pki.Ca, Pki.Agent);

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await new AgentService.AgentServiceClient(channel).ListCheckpointsAsync(new ListCheckpointsRequest(), deadline: DateTime.UtcNow + Patience));
        using var fetch = new CheckpointTransfer.CheckpointTransferClient(channel).FetchCheckpoint(
            new FetchCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "absent" } }, deadline: DateTime.UtcNow + Patience);
        var served = await Assert.ThrowsAsync<RpcException>(() => fetch.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal(StatusCode.NotFound, served.StatusCode);
    }

    internal static async Task<string> MetricsOfAsync(InProcessAgent agent)
    {
        using var stream = new MemoryStream();
        await agent.Services.GetRequiredService<Cryo.Agent.Metrics.AgentMetrics>().Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task Restore_Should_BringBackTheSameMemoryOnTheSecondAgent_When_ACompressedCheckpointWasPulled()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        await using var copies = new RestoredCopies(target);
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a");
        var (workload, checksum) = await Memhog.StartAsync(24, CancellationToken.None, "redis");
        // Its root filesystem stays for the restore, as a node's image would.
        await using var running = workload;
        await source.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "packed") with { Compression = "zstd" },
            new Progress<Operations.CheckpointStage>(), CancellationToken.None);
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);

        var result = await Puller(target).PullAsync(agentA.TransferClient(Pki), "node-a", "default", "packed", CancellationToken.None);
        var command = TestEngines.RestoreOf("packed");
        var outcome = await target.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);

        // What travels is the compressed file, checked against the digests of its stored bytes.
        var compressed = Assert.Single(result.Checkpoint.Manifest.Files, f => f.Compression == "zstd");
        Assert.Equal(Digests(Assert.Single(source.Store.List())), Digests(result.Checkpoint));
        Assert.True(compressed.Size < compressed.PlainSize);
        Assert.Equal(checksum, await Memhog.AskAsync(outcome.HostPid, "USR1", "check", target.OutputOf(command), cancellationToken: CancellationToken.None));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Restore_Should_BringBackTheIncrementsMemoryOnTheSecondAgent_When_ItsChainWasPulled(bool parentPulledBefore)
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        await using var copies = new RestoredCopies(target);
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a");
        var (workload, _) = await Memhog.StartAsync(24, CancellationToken.None);
        await using var running = workload;
        await source.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "live"), new Progress<Operations.CheckpointStage>(), CancellationToken.None);
        if (parentPulledBefore)
        {
            // As a precopy migration does: the live checkpoint travels while the workload runs on.
            await Puller(target).PullAsync(agentA.TransferClient(Pki), "node-a", "default", "live", CancellationToken.None);
        }

        var changed = await Memhog.ChangeAsync(workload, CancellationToken.None);
        await source.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "final", leaveRunning: false) with { ParentCheckpoint = "live" },
            new Progress<Operations.CheckpointStage>(), CancellationToken.None);
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);

        var result = await Puller(target).PullAsync(agentA.TransferClient(Pki), "node-a", "default", "final", CancellationToken.None);
        var command = TestEngines.RestoreOf("final");
        var outcome = await target.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);

        var increment = result.Checkpoint.Manifest.Increment!;
        Assert.Equal(ManifestIncrement.ParentLinkTarget(increment.Parent), new FileInfo(Path.Combine(result.Checkpoint.ImagesDirectory, CriuImageFiles.ParentLink)).LinkTarget);
        Assert.Equal(parentPulledBefore ? 0 : 1, result.Parents.Count);
        Assert.True(increment.PagesInParent > 0);
        Assert.Equal(2, CheckpointChain.Of(target.Store, result.Checkpoint).Count);
        Assert.Equal(changed, await Memhog.AskAsync(outcome.HostPid, "USR1", "check", target.OutputOf(command), cancellationToken: CancellationToken.None));
    }

    private static CheckpointPuller Puller(TestEngines target) => new(target.Store, TimeProvider.System) { ResumeDelay = TimeSpan.FromMilliseconds(50) };

    private static List<string> Digests(StoredCheckpoint checkpoint) =>
        [.. checkpoint.Manifest.Files.Select(f => $"{f.Path} {f.Size} {f.DigestAlgorithm} {f.Sha256}{string.Join(',', f.ChunkSha256 ?? [])}")];

    // The slot of a cancelled stream comes back when the server notices the cancellation: ask until it has.
    private static async Task<CheckpointPart> FirstPartAfterRefusalsAsync(CheckpointTransfer.CheckpointTransferClient client, FetchCheckpointRequest request)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var call = client.FetchCheckpoint(request, deadline: DateTime.UtcNow + Patience);
            try
            {
                await call.ResponseStream.MoveNext(CancellationToken.None);
                return call.ResponseStream.Current;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
