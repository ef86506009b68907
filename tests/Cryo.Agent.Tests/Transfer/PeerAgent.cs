using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Cryo.Agent.Hosting;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Tests.Grpc;
using Cryo.Agent.Tests.Support;
using Cryo.Contracts.Agent.V1;
using Cryo.Testing.Certificates;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cryo.Agent.Tests.Transfer;

/// <summary>
/// A real agent standing in for one node: the real engines and store of a <see cref="TestEngines"/>, its
/// Unix socket, and the mutual-TLS listener on a free loopback port. Stopped on dispose (the engines are the caller's).
/// </summary>
public sealed class PeerAgent : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly List<GrpcChannel> channels = [];
    private readonly List<HttpClient> clients = [];

    private PeerAgent(WebApplication app, string socketPath, int tlsPort)
    {
        this.app = app;
        SocketPath = socketPath;
        TlsPort = tlsPort;
    }

    public string SocketPath { get; }

    public int TlsPort { get; }

    /// <summary>Its mutual-TLS listener, as another agent is told it.</summary>
    public string Address => $"https://127.0.0.1:{TlsPort}";

    /// <summary>The agent's services (its store, its lifetime).</summary>
    public IServiceProvider Services => app.Services;

    /// <summary>Starts the agent; <paramref name="store"/> replaces the engines' store (a restarted agent opens its store anew).</summary>
    public static async Task<PeerAgent> StartAsync(TestEngines engines, TestPki pki, string nodeName, Action<Dictionary<string, string?>>? configure = null, ImageStore? store = null)
    {
        var socket = Path.Combine(engines.Directory, "agent.sock");
        var settings = new Dictionary<string, string?>
        {
            ["Agent:SocketPath"] = socket,
            ["Agent:CriuPath"] = TestEngines.CriuPath,
            ["Agent:NodeName"] = nodeName,
            ["Agent:ListenAddress"] = "127.0.0.1",
            ["Agent:TcpPort"] = "0",
            ["Agent:TlsCertificatePath"] = pki.AgentCertificatePath,
            ["Agent:TlsKeyPath"] = pki.AgentKeyPath,
            ["Agent:ClientCaPath"] = pki.CaPath,
            ["Agent:PeerIdentities:0"] = "localhost",
            ["Store:RootDirectory"] = engines.StoreRoot,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        configure?.Invoke(settings);
        var app = AgentHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSingleton<ICheckpointEngine>(engines.Checkpoints);
            builder.Services.AddSingleton<IRestoreEngine>(engines.Restores);
            builder.Services.AddSingleton(store ?? engines.Store);
            builder.Services.AddSingleton(engines.Criu);
        });
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await app.StartAsync(timeout.Token);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                .Single(a => a.StartsWith("https://127.0.0.1:", StringComparison.Ordinal));
            return new PeerAgent(app, socket, new Uri(address).Port);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A transfer client on <paramref name="port"/> (this agent's TLS port unless a proxy's), presenting the
    /// PKI's client certificate and trusting only its CA: what another agent pulling from this one uses.
    /// </summary>
    public CheckpointTransfer.CheckpointTransferClient TransferClient(TestPki pki, int? port = null) =>
        new(Channel(pki, pki.Operator, port));

    /// <summary>
    /// A connection as another agent's pull opens it (<see cref="Cryo.Agent.Transfer.PeerConnections"/>): the transfer
    /// client and the HTTP/1.1 client of the bytes endpoint, on <paramref name="port"/> (this agent's TLS port unless a proxy's).
    /// </summary>
    public Cryo.Agent.Transfer.PeerConnection Connection(TestPki pki, X509Certificate2? client = null, int? port = null) =>
        new(new CheckpointTransfer.CheckpointTransferClient(Channel(pki, client ?? pki.Operator, port)), BytesClient(pki, client ?? pki.Operator, port));

    /// <summary>An HTTP client of this agent's TLS listener (or a proxy's port) presenting <paramref name="client"/>, trusting only the PKI's CA.</summary>
    public HttpClient BytesClient(TestPki pki, X509Certificate2 client, int? port = null)
    {
#pragma warning disable CA2000 // The client owns its handler; disposed with the agent.
        var http = new HttpClient(Handler(pki, client), disposeHandler: true) { BaseAddress = new Uri($"https://localhost:{port ?? TlsPort}"), Timeout = TimeSpan.FromMinutes(2) };
#pragma warning restore CA2000
        clients.Add(http);
        return http;
    }

    /// <summary>A channel to this agent's TLS listener (or a proxy's port) presenting <paramref name="client"/>, trusting only the PKI's CA.</summary>
    public GrpcChannel Channel(TestPki pki, X509Certificate2 client, int? port = null)
    {
        var channel = GrpcChannel.ForAddress($"https://localhost:{port ?? TlsPort}", new GrpcChannelOptions { HttpHandler = Handler(pki, client) });
        channels.Add(channel);
        return channel;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        foreach (var client in clients)
        {
            client.Dispose();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }

    private static SocketsHttpHandler Handler(TestPki pki, X509Certificate2 client) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = new X509CertificateCollection { client },
            RemoteCertificateValidationCallback = (_, server, _, _) => server is not null && ChainsTo(X509CertificateLoader.LoadCertificate(server.GetRawCertData()), pki.Ca),
        },
    };

    private static bool ChainsTo(X509Certificate2 server, X509Certificate2 ca)
    {
        using (server)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(server);
        }
    }
}
