using System.Net;
using Cryo.Agent.Tests.Grpc;
using Cryo.Agent.Tests.Store;
using Cryo.Agent.Transfer;
using Google.Rpc;
using Grpc.Core;

namespace Cryo.Agent.Tests.Transfer;

/// <summary>
/// The checkpoint's bytes as a plain HTTP/1.1 body (<see cref="CheckpointBytesEndpoint"/>), as agents' pulls fetch
/// them: two real agents with separate stores, real mutual TLS.
/// </summary>
public sealed class CheckpointBytesTests(TestPkiFixture fixture) : IClassFixture<TestPkiFixture>
{
    private const int PagesBytes = 40 * 1024 * 1024;
    private const string PagesPath = "images/pages-1.img";

    private TestPki Pki => fixture.Pki;

    [Theory]
    [InlineData(null)]
    [InlineData(DigestAlgorithms.Sha256OfPages)]
    public async Task Pull_Should_CommitACheckpointIdenticalToTheSources_When_TheBytesComeAsAPlainBody(string? pagesDigest)
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes, pagesDigest);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");
        var puller = new CheckpointPuller(target.Store, TimeProvider.System) { Streams = 2, SegmentBytes = ChunkedSha256.DefaultChunkSize };

        var result = await puller.PullAsync([agent.Connection(Pki), agent.Connection(Pki)], "node-a", "default", "big", progress: null, CancellationToken.None);

        var pulled = Assert.Single(target.Store.List());
        await ChecksumVerifier.VerifyAsync(pulled, CancellationToken.None);
        Assert.Equal(File.ReadAllBytes(stored.ResolveFile(PagesPath)), File.ReadAllBytes(pulled.ResolveFile(PagesPath)));
        Assert.Equal(stored.Manifest.Files.Sum(f => f.Size), result.BytesReceived);
        Assert.Empty(target.Store.ListAbandoned());
    }

    [Fact]
    public async Task Endpoint_Should_SendExactlyLengthBytesFromTheResumePoint_With_TheManifestsDigest()
    {
        using var source = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");
        const long Start = 5 * 1024 * 1024;
        const long Length = (3 * 1024 * 1024) + 17;

        using var response = await GetAsync(agent.BytesClient(Pki, Pki.Operator), $"namespace=default&name=big&path={PagesPath}&offset={Start}&length={Length}");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Length, response.Content.Headers.ContentLength);
        Assert.Equal(File.ReadAllBytes(stored.ResolveFile(PagesPath)).AsSpan((int)Start, (int)Length).ToArray(), body);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(stored.ManifestPath))),
            Assert.Single(response.Headers.GetValues(CheckpointBytesEndpoint.ManifestDigestHeader)));
    }

    [Fact]
    public async Task Pull_Should_ResumeFromTheLastVerifiedRange_When_TheBodysConnectionIsCut()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");
        // The manifest over the agent's port; the body through a proxy that cuts it once about 26 MiB have gone.
        await using var proxy = new CuttingProxy(agent.TlsPort!.Value, cutAfterBytes: 26L * 1024 * 1024);
        var connection = agent.Connection(Pki) with { Bytes = agent.BytesClient(Pki, Pki.Operator, proxy.Port) };

        var result = await new CheckpointPuller(target.Store, TimeProvider.System) { ResumeDelay = TimeSpan.FromMilliseconds(50) }
            .PullAsync([connection], "node-a", "default", "big", progress: null, CancellationToken.None);

        var total = stored.Manifest.Files.Sum(f => f.Size);
        Assert.Equal(1, proxy.Cuts);
        Assert.Equal(2, result.Requests.Count);
        Assert.Equal(PagesPath, result.Requests[1].Path);
        Assert.Equal(0, result.Requests[1].Offset % ChunkedSha256.DefaultChunkSize);
        Assert.True(result.BytesReceived - total < ChunkedSha256.DefaultChunkSize, $"{result.BytesReceived - total} bytes were fetched twice");
        await ChecksumVerifier.VerifyAsync(Assert.Single(target.Store.List()), CancellationToken.None);
    }

    [Fact]
    public async Task Pull_Should_FailNamingTheFileAndRange_And_CommitNothing_When_TheBodyHasACorruptedByte()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes, DigestAlgorithms.Sha256OfPages);
        FileDamage.FlipByte(stored.ResolveFile(PagesPath), at: (16L * 1024 * 1024) + 12345, 0x5a);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");

        var error = await Assert.ThrowsAsync<TransferVerificationException>(() =>
            new CheckpointPuller(target.Store, TimeProvider.System).PullAsync([agent.Connection(Pki)], "node-a", "default", "big", progress: null, CancellationToken.None));

        Assert.Equal(PagesPath, error.RelativePath);
        Assert.Equal(ChunkedSha256.DefaultChunkSize, error.Offset);
        Assert.Contains("again when fetched anew", error.Message, StringComparison.Ordinal);
        Assert.Empty(target.Store.List());
        Assert.Empty(target.Store.ListAbandoned());
    }

    [Fact]
    public async Task Endpoint_Should_RefuseWithTheStatusAGrpcCallWouldEndWith_When_MoreStreamsThanTheLimitOrNoSuchCheckpoint()
    {
        using var source = new TestEngines();
        await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("big"), PagesBytes);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a", s => s["Transfer:MaxParallelStreams"] = "1");
        var client = agent.BytesClient(Pki, Pki.Operator);

        // Before the slot is taken: a stream that ends frees it only once the agent has seen it end.
        using var absent = await GetAsync(client, "namespace=default&name=absent");
        using var malformed = await GetAsync(client, "namespace=default&name=big&offset=-3");
        HttpResponseMessage refused;
        using (var first = await GetAsync(client, "namespace=default&name=big"))
        {
            refused = await GetAsync(agent.BytesClient(Pki, Pki.Operator), "namespace=default&name=big");
        }

        using (refused)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(((int)StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(refused.Headers.GetValues("grpc-status")));
            var details = Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(Assert.Single(refused.Headers.GetValues("grpc-status-details-bin"))));
            Assert.Equal("TRANSFER_LIMIT", details.Details.Single(d => d.Is(ErrorInfo.Descriptor)).Unpack<ErrorInfo>().Reason);
            Assert.Contains("Transfer:MaxParallelStreams", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        Assert.Equal(((int)StatusCode.NotFound).ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(absent.Headers.GetValues("grpc-status")));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("offset", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoint_Should_ServeAnotherAgentsCertificate_And_RefuseOneNamingAnotherIdentity()
    {
        using var source = new TestEngines();
        var stored = await StoreTestData.CommitFakeAsync(source.Store, StoreTestData.Key("small"), 1024 * 1024);
        await using var agent = await PeerAgents.StartAsync(source, Pki, "node-a");

        using var served = await GetAsync(agent.BytesClient(Pki, Pki.Agent), "namespace=default&name=small");
        var refused = await Assert.ThrowsAnyAsync<HttpRequestException>(() => GetAsync(agent.BytesClient(Pki, Pki.WrongIdentity), "namespace=default&name=small"));

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(stored.Manifest.Files.Sum(f => f.Size), (await served.Content.ReadAsByteArrayAsync()).Length);
        Assert.NotNull(refused);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{CheckpointBytesEndpoint.Pattern}?{query}")
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
