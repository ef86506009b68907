using Cryo.Agent.Store.Manifest;
using Cryo.Agent.Tests.Grpc;
using Cryo.Agent.Tests.Store;
using Cryo.Contracts.Agent.V1;
using Grpc.Core;

namespace Cryo.Agent.Tests.Transfer;

/// <summary><c>PullCheckpoint</c> calls to a real agent pulling from another over real mutual TLS.</summary>
public sealed class CheckpointPullsTests(TestPkiFixture fixture) : IClassFixture<TestPkiFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private TestPki Pki => fixture.Pki;

    [Fact]
    public async Task PullCheckpoint_Should_JoinThePullThatRuns_When_ASecondCallAsksForTheSameCheckpoint()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), 12 * 1024 * 1024);
        // Paced, so that the first pull still runs when the second call comes.
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a", s => s["Transfer:MaxBytesPerSecond"] = $"{8 * 1024 * 1024}");
        await using var agentB = await PeerAgents.StartAsync(target, Pki, "node-b");
        var client = agentB.UnixClient();
        var request = new PullCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "big" }, SourceAddress = agentA.TlsAddress, SourceNode = "node-a" };

        using var first = client.PullCheckpoint(request, deadline: DateTime.UtcNow + Patience);
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(PullCheckpointEvent.EventOneofCase.Progress, first.ResponseStream.Current.EventCase);
        using var second = client.PullCheckpoint(request, deadline: DateTime.UtcNow + Patience);
        var secondEvents = await second.ResponseStream.ReadAllAsync().ToListAsync();
        var firstEvents = await first.ResponseStream.ReadAllAsync().ToListAsync();

        var total = stored.Manifest.Files.Sum(f => f.Size);
        Assert.Equal(PullCheckpointEvent.EventOneofCase.Result, firstEvents[^1].EventCase);
        Assert.Equal(PullCheckpointEvent.EventOneofCase.Result, secondEvents[^1].EventCase);
        Assert.Equal(total, firstEvents[^1].Result.BytesReceived);
        Assert.Equal(total, secondEvents[^1].Result.BytesReceived);
        Assert.False(secondEvents[^1].Result.AlreadyPresent);
        Assert.Contains(secondEvents, e => e.EventCase == PullCheckpointEvent.EventOneofCase.Progress);
        Assert.Equal(stored.Key, Assert.Single(target.Store.List()).Key);
        // One pull's worth of bytes left the source.
        Assert.Contains($"cryo_agent_transfer_bytes_total{{direction=\"sent\"}} {total}", await CheckpointTransferTests.MetricsOfAsync(agentA), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullCheckpoint_Should_AnswerThePullItStarted_When_TheSameOperationIdCallsAgain()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), 12 * 1024 * 1024);
        await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("other"), 1024 * 1024);
        // Paced, so that the first call's pull still runs when the repeated one comes.
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a", s => s["Transfer:MaxBytesPerSecond"] = $"{8 * 1024 * 1024}");
        await using var agentB = await PeerAgents.StartAsync(target, Pki, "node-b");
        var client = agentB.UnixClient();
        var request = new PullCheckpointRequest
        {
            Checkpoint = new CheckpointRef { Namespace = "default", Name = "big" }, SourceAddress = agentA.TlsAddress, SourceNode = "node-a", OperationId = "restore-1",
        };

        using var first = client.PullCheckpoint(request, deadline: DateTime.UtcNow + Patience);
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));
        using var repeated = client.PullCheckpoint(request, deadline: DateTime.UtcNow + Patience);
        var repeatedEvents = await repeated.ResponseStream.ReadAllAsync().ToListAsync();
        var firstEvents = await first.ResponseStream.ReadAllAsync().ToListAsync();
        // The checkpoint is in the store now: a second pull would answer "already present, 0 bytes received".
        using var third = client.PullCheckpoint(request, deadline: DateTime.UtcNow + Patience);
        var afterwards = await third.ResponseStream.ReadAllAsync().ToListAsync();
        using var otherCheckpoint = client.PullCheckpoint(
            new PullCheckpointRequest(request) { Checkpoint = new CheckpointRef { Namespace = "default", Name = "other" } }, deadline: DateTime.UtcNow + Patience);
        var reused = await Assert.ThrowsAsync<RpcException>(() => otherCheckpoint.ResponseStream.ReadAllAsync().ToListAsync().AsTask());
        var sent = await CheckpointTransferTests.MetricsOfAsync(agentA);

        var total = stored.Manifest.Files.Sum(f => f.Size);
        Assert.Equal(total, firstEvents[^1].Result.BytesReceived);
        Assert.Equal(total, repeatedEvents[^1].Result.BytesReceived);
        // The pull's last progress, then its result: not "already present".
        Assert.Equal(firstEvents[^1].Result, afterwards[^1].Result);
        Assert.False(afterwards[^1].Result.AlreadyPresent);
        // One pull's worth of bytes left the source, for three calls.
        Assert.Contains($"cryo_agent_transfer_bytes_total{{direction=\"sent\"}} {total}", sent, StringComparison.Ordinal);
        Assert.Equal(stored.Key, Assert.Single(target.Store.List()).Key);
        Assert.Equal(StatusCode.InvalidArgument, reused.StatusCode);
        Assert.Contains("restore-1", reused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullCheckpoint_Should_PullAgain_When_TheSameOperationIdsCheckpointLeftTheStoreSince()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), 4 * 1024 * 1024);
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a");
        await using var agentB = await PeerAgents.StartAsync(target, Pki, "node-b");
        var client = agentB.UnixClient();
        // The operator asks one ID for every pull of a checkpoint to a node.
        var request = new PullCheckpointRequest
        {
            Checkpoint = new CheckpointRef { Namespace = "default", Name = "big" }, SourceAddress = agentA.TlsAddress, SourceNode = "node-a", OperationId = "pull-uid-1-node-b",
        };

        using var first = client.PullCheckpoint(request, deadline: DateTime.UtcNow + Patience);
        var firstEvents = await first.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.True(target.Store.Delete(stored.Key));
        using var again = client.PullCheckpoint(request, deadline: DateTime.UtcNow + Patience);
        var againEvents = await again.ResponseStream.ReadAllAsync().ToListAsync();

        // Pulled twice, not answered from the first pull's remembered result: the checkpoint is in the store again.
        var total = stored.Manifest.Files.Sum(f => f.Size);
        Assert.Equal(total, firstEvents[^1].Result.BytesReceived);
        Assert.Equal(total, againEvents[^1].Result.BytesReceived);
        Assert.Equal(stored.Key, Assert.Single(target.Store.List()).Key);
        Assert.Contains($"cryo_agent_transfer_bytes_total{{direction=\"sent\"}} {2 * total}", await CheckpointTransferTests.MetricsOfAsync(agentA), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullCheckpoint_Should_AnswerThatItFoundTheOriginal_When_TheStoreItSharesHoldsTheCheckpointAnotherNodeCommitted()
    {
        // Node A's agent committed the checkpoint in the one store both agents mount (storage mode "shared").
        using var source = new TestEngines(storeOwner: "node-a");
        using var target = new TestEngines(storeRoot: source.StoreRoot, storeOwner: "node-b");
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), 1024 * 1024);
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a");
        await using var agentB = await PeerAgents.StartAsync(target, Pki, "node-b");
        var client = agentB.UnixClient();

        using var call = client.PullCheckpoint(new PullCheckpointRequest
        {
            Checkpoint = new CheckpointRef { Namespace = "default", Name = "big" }, SourceAddress = agentA.TlsAddress, SourceNode = "node-a",
        }, deadline: DateTime.UtcNow + Patience);
        var result = (await call.ResponseStream.ReadAllAsync().ToListAsync())[^1].Result;

        // Present, and not a copy of node B's: deleting one there would delete node A's checkpoint.
        Assert.True(result.AlreadyPresent);
        Assert.True(result.Original);
        Assert.Equal(0, result.BytesReceived);
        Assert.Equal(stored.Key, Assert.Single(target.Store.List()).Key);
        Assert.DoesNotContain(ManifestExtraKeys.PulledBy, target.Store.Find(stored.Key)!.Manifest.Extra.Keys);
    }

    [Fact]
    public async Task PullCheckpoint_Should_AnswerThatItFoundItsCopy_When_AnEarlierPullLeftIt()
    {
        using var source = new TestEngines(storeOwner: "node-a");
        using var target = new TestEngines(storeOwner: "node-b");
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), 1024 * 1024);
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a");
        await using var agentB = await PeerAgents.StartAsync(target, Pki, "node-b");
        var client = agentB.UnixClient();
        var request = new PullCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "big" }, SourceAddress = agentA.TlsAddress, SourceNode = "node-a" };

        using var first = client.PullCheckpoint(request, deadline: DateTime.UtcNow + Patience);
        var pulled = (await first.ResponseStream.ReadAllAsync().ToListAsync())[^1].Result;
        // As when the operator's pass that should have recorded the first pull failed: it asks again.
        using var again = client.PullCheckpoint(request, deadline: DateTime.UtcNow + Patience);
        var found = (await again.ResponseStream.ReadAllAsync().ToListAsync())[^1].Result;

        Assert.Equal((false, false), (pulled.AlreadyPresent, pulled.Original));
        Assert.Equal(stored.Manifest.Files.Sum(f => f.Size), pulled.BytesReceived);
        // Found, and a copy node B's agent pulled: the operator records it, so that deleting the Checkpoint deletes it.
        Assert.Equal((true, false), (found.AlreadyPresent, found.Original));
        Assert.Equal("node-b", target.Store.Find(stored.Key)!.Manifest.Extra[ManifestExtraKeys.PulledBy]);
        Assert.DoesNotContain(ManifestExtraKeys.PulledBy, source.Store.Find(stored.Key)!.Manifest.Extra.Keys);
    }
}
