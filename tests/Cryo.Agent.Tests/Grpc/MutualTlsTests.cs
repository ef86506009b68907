using System.Security.Cryptography.X509Certificates;
using Cryo.Contracts.Agent.V1;
using Grpc.Core;

namespace Cryo.Agent.Tests.Grpc;

public sealed class MutualTlsTests(TestPkiFixture fixture) : IClassFixture<TestPkiFixture>
{
    private TestPki Pki => fixture.Pki;

    [Fact]
    public async Task Checkpoint_Should_BeServed_When_ClientCertificateChainsToCaWithOperatorIdentity()
    {
        await using var agent = await InProcessAgent.StartAsync(InProcessAgent.WithTls(Pki));
        var client = agent.TlsClient(Pki.Ca, Pki.Operator);

        var events = await client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));

        Assert.Equal(CheckpointEvent.EventOneofCase.Result, events[^1].EventCase);
        Assert.Equal(1, agent.Checkpoints.Calls);
    }

    public static TheoryData<string> RefusedClients => ["none", "other-ca", "expired", "wrong-identity"];

    [Theory]
    [MemberData(nameof(RefusedClients))]
    public async Task Call_Should_BeRefusedBeforeTheEngine_When_ClientCertificateIsNotAccepted(string which)
    {
        await using var agent = await InProcessAgent.StartAsync(InProcessAgent.WithTls(Pki));
        X509Certificate2? certificate = which switch
        {
            "none" => null,
            "other-ca" => Pki.OtherCaOperator,
            "expired" => Pki.ExpiredOperator,
            _ => Pki.WrongIdentity,
        };
        var client = agent.TlsClient(Pki.Ca, certificate);

        var checkpoint = await Assert.ThrowsAsync<RpcException>(() => client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1")));
        var list = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.ListCheckpointsAsync(new ListCheckpointsRequest(), deadline: DateTime.UtcNow + AgentCalls.Deadline));

        Assert.NotEqual(StatusCode.OK, checkpoint.StatusCode);
        Assert.NotEqual(StatusCode.OK, list.StatusCode);
        Assert.Equal(0, agent.Checkpoints.Calls);
    }

    [Fact]
    public async Task Call_Should_BeRefused_When_ConfiguredIdentitiesReplaceTheDefault()
    {
        await using var agent = await InProcessAgent.StartAsync(InProcessAgent.WithTls(Pki, s => s["Agent:AllowedClientIdentities:0"] = "cryo-intruder"));

        var intruder = await agent.TlsClient(Pki.Ca, Pki.WrongIdentity).ListCheckpointsAsync(new ListCheckpointsRequest(), deadline: DateTime.UtcNow + AgentCalls.Deadline);
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await agent.TlsClient(Pki.Ca, Pki.Operator).ListCheckpointsAsync(new ListCheckpointsRequest(), deadline: DateTime.UtcNow + AgentCalls.Deadline));

        Assert.Empty(intruder.Checkpoints);
        Assert.NotEqual(StatusCode.OK, refused.StatusCode);
    }

    [Fact]
    public async Task ProbePort_Should_RefuseGrpc_When_CalledWithoutTls()
    {
        await using var agent = await InProcessAgent.StartAsync(InProcessAgent.WithTls(Pki));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{agent.HttpPort}/cryo.agent.v1.AgentService/ListCheckpoints"))
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");

        using var response = await http.SendAsync(request);

        Assert.NotEqual(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, agent.Checkpoints.Calls);
    }

    [Fact]
    public async Task DevCertificates_Should_BeAccepted_When_MadeByDevCertsScript()
    {
        var directory = Directory.CreateTempSubdirectory("cryo-devcerts-").FullName;
        try
        {
            var script = Path.Combine(RepositoryRoot(), "hack", "dev-certs.sh");
            using (var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", [script, directory])
                   { RedirectStandardOutput = true, RedirectStandardError = true })!)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await process.WaitForExitAsync(timeout.Token);
                Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
            }

            using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(directory, "ca.crt"));
            using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(directory, "operator.crt"), Path.Combine(directory, "operator.key"));
            using var operatorCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            using var otherPem = X509Certificate2.CreateFromPemFile(Path.Combine(directory, "other-operator.crt"), Path.Combine(directory, "other-operator.key"));
            using var other = X509CertificateLoader.LoadPkcs12(otherPem.Export(X509ContentType.Pkcs12), null);
            await using var agent = await InProcessAgent.StartAsync(settings =>
            {
                settings["Agent:TcpPort"] = "0";
                settings["Agent:TlsCertificatePath"] = Path.Combine(directory, "agent.crt");
                settings["Agent:TlsKeyPath"] = Path.Combine(directory, "agent.key");
                settings["Agent:ClientCaPath"] = Path.Combine(directory, "ca.crt");
            });

            var served = await agent.TlsClient(ca, operatorCertificate).ListCheckpointsAsync(new ListCheckpointsRequest(), deadline: DateTime.UtcNow + AgentCalls.Deadline);
            var refused = await Assert.ThrowsAsync<RpcException>(async () =>
                await agent.TlsClient(ca, other).ListCheckpointsAsync(new ListCheckpointsRequest(), deadline: DateTime.UtcNow + AgentCalls.Deadline));

            Assert.Empty(served.Checkpoints);
            Assert.NotEqual(StatusCode.OK, refused.StatusCode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // From this source file, not the binaries: builds may put those anywhere (--artifacts-path).
    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Operator.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("cannot find the repository root above " + sourceFile);
    }
}
