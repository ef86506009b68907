using System.Diagnostics;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Agent.Tests.Grpc;
using Cryo.Agent.Tests.Store;
using Cryo.Agent.Tests.Support;
using Cryo.Agent.Transfer;
using Cryo.Contracts.Agent.V1;
using Cryo.Testing.Agent;
using Cryo.Testing.Agent.Harness;
using Cryo.Testing.Certificates;
using Google.Rpc;
using Grpc.Core;
using Xunit;

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
        await using var agent = await source.StartAgentAsync(Pki, "node-a");

        var result = await Puller(target).PullAsync(agent.TransferClient(Pki), "node-a", "default", "big", CancellationToken.None);

        var pulled = Assert.Single(target.Store.List());
        Assert.Equal(stored.Key, pulled.Key);
        await ChecksumVerifier.VerifyAsync(pulled, CancellationToken.None);
        Assert.Equal(Digests(stored), Digests(pulled));
        Assert.Equal(File.ReadAllBytes(stored.ResolveFile(PagesPath)), File.ReadAllBytes(pulled.ResolveFile(PagesPath)));
        Assert.Equal(stored.Manifest.Files.Sum(f => f.Size), result.BytesReceived);
        Assert.Equal([new ResumePoint(string.Empty, 0)], result.Requests);
        Assert.Empty(target.Store.ListAbandoned());
    }

    [Fact]
    public async Task Pull_Should_ResumeFromTheLastVerifiedChunk_When_TheConnectionIsCutMidTransfer()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes);
        await using var agent = await source.StartAgentAsync(Pki, "node-a");
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
        FlipByte(stored.ResolveFile(PagesPath), at: (16L * 1024 * 1024) + 12345);
        await using var agent = await source.StartAgentAsync(Pki, "node-a");

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
        await using var agent = await source.StartAgentAsync(Pki, "node-a", s => s["Transfer:MaxParallelStreams"] = "1");
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
        await using var agent = await source.StartAgentAsync(Pki, "node-a", s => s["Transfer:MaxBytesPerSecond"] = $"{8 * 1024 * 1024}");
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
        await using var agent = await source.StartAgentAsync(Pki, "node-a");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Puller(target).PullAsync(agent.TransferClient(Pki), "node-a", "default", "absent", CancellationToken.None));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Empty(target.Store.List());
        Assert.Empty(target.Store.ListAbandoned());
    }

    [Fact]
    public async Task Restore_Should_ContinueTheCounterOnTheSecondAgent_When_ItsCheckpointWasPulledFromTheFirst()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        await using var copies = new RestoredCopies(target);
        await using var agentA = await source.StartAgentAsync(Pki, "node-a");
        await using var agentB = await target.StartAgentAsync(Pki, "node-b");
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        var before = Counter.Last(workload.Stdout);
        await source.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "counter"), new Progress<Operations.CheckpointStage>(), CancellationToken.None);
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        var atKill = Counter.Last(workload.Stdout);

        var pulled = await Puller(target).PullAsync(agentA.TransferClient(Pki), "node-a", "default", "counter", CancellationToken.None);
        var restored = await agentB.UnixClient().RestoreAsync(
            new RestoreRequest { OperationId = "restore-pulled-1", Checkpoint = new CheckpointRef { Namespace = "default", Name = "counter" }, NewPidNamespace = new NewPidNamespaceTarget() },
            deadline: DateTime.UtcNow + Patience);
        copies.Track(restored.HostPid);
        var output = target.OutputOf(new RestoreCommand("restore-pulled-1", "default", "counter", null, Patience));
        var values = await Counter.WaitForFileAsync(output, v => v.Count >= 3, Patience);

        Assert.True(pulled.Checkpoint.Manifest.MemoryPagesBytes > 0);
        Assert.Equal(1, restored.NamespacePid);
        Assert.InRange(values[0], before + 1, atKill + 1);
    }

    private static CheckpointPuller Puller(TestEngines target) => new(target.Store, TimeProvider.System) { ResumeDelay = TimeSpan.FromMilliseconds(50) };

    private static List<string> Digests(StoredCheckpoint checkpoint) =>
        [.. checkpoint.Manifest.Files.Select(f => $"{f.Path} {f.Size} {f.DigestAlgorithm} {f.Sha256}{string.Join(',', f.ChunkSha256 ?? [])}")];

    private static void FlipByte(string path, long at)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = at;
        var value = stream.ReadByte();
        stream.Position = at;
        stream.WriteByte((byte)(value ^ 0x5a));
    }

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
