using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Cryo.Agent.Hosting;
using Cryo.Contracts;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Cryo.Testing.Agent.Fakes;
using Cryo.Testing.Certificates;

namespace Cryo.Testing.Agent;

/// <summary>
/// The agent as <c>Program.cs</c> builds it (<see cref="AgentHost.Build"/>: Kestrel on a Unix socket, optional
/// mutual-TLS and probe ports on loopback port 0, the gRPC service, operation registry and gate, metrics), hosted
/// in-process in a temporary directory removed on dispose. Its engines are fakes (<see cref="Catalog"/>,
/// <see cref="Checkpoints"/>, <see cref="Restores"/>) unless the caller brings its own (the benchmark brings the
/// real engines).
/// </summary>
public sealed class InProcessAgent : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly TempDirectory directory;
    private readonly FakeEngines? fakes;
    private readonly List<GrpcChannel> channels = [];
    private readonly List<HttpClient> httpClients = [];
    private bool started;

    private InProcessAgent(WebApplication app, TempDirectory directory, FakeEngines? fakes)
    {
        this.app = app;
        this.directory = directory;
        this.fakes = fakes;
        SocketPath = directory.Combine("agent.sock");
    }

    public string Directory => directory.Path;

    public string SocketPath { get; }

    public FakeCatalog Catalog => FakesOrThrow.Catalog;

    public FakeCheckpointEngine Checkpoints => FakesOrThrow.Checkpoints;

    public FakeRestoreEngine Restores => FakesOrThrow.Restores;

    public IServiceProvider Services => app.Services;

    public int? TlsPort { get; private set; }

    public int? HttpPort { get; private set; }

    /// <summary>The mutual-TLS listener, as another agent (a peer pulling checkpoints) is told it.</summary>
    public string TlsAddress => $"https://127.0.0.1:{TlsPort}";

    private FakeEngines FakesOrThrow => fakes ?? throw new InvalidOperationException("this agent runs the engines its creator gave it, not the fakes");

    /// <summary>Builds the agent over fake engines and a fake CRIU, without starting it (for start-up failure tests).</summary>
    public static InProcessAgent Create(Action<Dictionary<string, string?>>? configure = null, CriuVersion? criuVersion = null) =>
        Create(configure, directory =>
        {
            var catalog = new FakeCatalog(directory);
            return new FakeEngines(catalog, new FakeCheckpointEngine(catalog), new FakeRestoreEngine(catalog), new FakeCriu(criuVersion ?? new CriuVersion(4, 2, 1)));
        }, null);

    /// <summary>Builds the agent over the services <paramref name="services"/> registers (engines, store, CRIU), without starting it.</summary>
    public static InProcessAgent Create(Action<Dictionary<string, string?>>? configure, Action<IServiceCollection> services) =>
        Create(configure, null, services);

    public static async Task<InProcessAgent> StartAsync(Action<Dictionary<string, string?>>? configure = null, CriuVersion? criuVersion = null) =>
        await RunOrDisposeAsync(Create(configure, criuVersion), CancellationToken.None);

    /// <summary>Starts the agent over the services <paramref name="services"/> registers.</summary>
    public static async Task<InProcessAgent> StartAsync(Action<Dictionary<string, string?>>? configure, Action<IServiceCollection> services, CancellationToken cancellationToken) =>
        await RunOrDisposeAsync(Create(configure, services), cancellationToken);

    /// <summary>Adds the settings for the mutual-TLS listener on a free loopback port.</summary>
    public static Action<Dictionary<string, string?>> WithTls(TestPki pki, Action<Dictionary<string, string?>>? more = null) => settings =>
    {
        settings["Agent:TcpPort"] = "0";
        settings["Agent:TlsCertificatePath"] = pki.AgentCertificatePath;
        settings["Agent:TlsKeyPath"] = pki.AgentKeyPath;
        settings["Agent:ClientCaPath"] = pki.CaPath;
        more?.Invoke(settings);
    };

    public Task RunAsync() => RunAsync(CancellationToken.None);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        started = true;
        await app.StartAsync(timeout.Token);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        foreach (var address in addresses)
        {
            if (address.StartsWith("https://127.0.0.1:", StringComparison.Ordinal))
            {
                TlsPort = new Uri(address).Port;
            }
            else if (address.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))
            {
                HttpPort = new Uri(address).Port;
            }
        }
    }

    /// <summary>A client on the Unix socket.</summary>
    public AgentService.AgentServiceClient UnixClient() => Track(UnixSocketChannel.Create(SocketPath));

    /// <summary>
    /// A client on the mutual-TLS port presenting <paramref name="certificate"/> (or none), trusting only
    /// <paramref name="trustedCa"/> for the agent's certificate.
    /// </summary>
    public AgentService.AgentServiceClient TlsClient(X509Certificate2 trustedCa, X509Certificate2? certificate) =>
        new(TlsChannel(trustedCa, certificate));

    /// <summary>
    /// A channel to the mutual-TLS port (or to <paramref name="port"/>, a proxy's in front of it) presenting
    /// <paramref name="certificate"/> (or none), trusting only <paramref name="trustedCa"/> for the agent's certificate.
    /// </summary>
    public GrpcChannel TlsChannel(X509Certificate2 trustedCa, X509Certificate2? certificate, int? port = null)
    {
        var channel = GrpcChannel.ForAddress($"https://localhost:{port ?? TlsPort}", new GrpcChannelOptions { HttpHandler = TlsHandler(trustedCa, certificate) });
        channels.Add(channel);
        return channel;
    }

    /// <summary>
    /// A plain HTTPS client of the mutual-TLS port (or of <paramref name="port"/>, a proxy's), with the same certificates
    /// as <see cref="TlsChannel"/>: what an agent's pull uses for a checkpoint's bytes. Disposed with the agent.
    /// </summary>
    public HttpClient TlsHttpClient(X509Certificate2 trustedCa, X509Certificate2? certificate, int? port = null)
    {
#pragma warning disable CA2000 // The client owns its handler; disposed with the agent.
        var client = new HttpClient(TlsHandler(trustedCa, certificate), disposeHandler: true)
        {
            BaseAddress = new Uri($"https://localhost:{port ?? TlsPort}"),
            Timeout = TimeSpan.FromMinutes(2),
        };
#pragma warning restore CA2000
        httpClients.Add(client);
        return client;
    }

    private static SocketsHttpHandler TlsHandler(X509Certificate2 trustedCa, X509Certificate2? certificate) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            // Only ClientCertificates, as the operator's client does: the agent must get the certificate
            // without a selection callback forcing it.
            ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
            RemoteCertificateValidationCallback = (_, server, _, _) => server is not null && ChainsTo(X509CertificateLoader.LoadCertificate(server.GetRawCertData()), trustedCa),
        },
    };

    /// <summary>GET on the plain-HTTP probe port.</summary>
    public async Task<(int Status, string Body)> HttpGetAsync(string path)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}{path}"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Stops the agent as SIGTERM does; <paramref name="cancellationToken"/> plays the host's shutdown timeout.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await app.StopAsync(cancellationToken);
        started = false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        foreach (var client in httpClients)
        {
            client.Dispose();
        }

        if (started)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await app.StopAsync(timeout.Token);
        }

        await app.DisposeAsync();
        directory.Dispose();
    }

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

    private static InProcessAgent Create(Action<Dictionary<string, string?>>? configure, Func<string, FakeEngines>? createFakes, Action<IServiceCollection>? services)
    {
        var directory = new TempDirectory("cryo-agent-");
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Agent:SocketPath"] = directory.Combine("agent.sock"),
                ["Agent:ListenAddress"] = "127.0.0.1",
                ["Agent:HttpPort"] = "0",
                // The fake CRIU answers; the path only has to exist (tests of a missing CRIU point it elsewhere).
                ["Agent:CriuPath"] = "/bin/sh",
                ["Agent:NodeName"] = "test-node",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            configure?.Invoke(settings);
            var fakes = createFakes?.Invoke(directory.Path);
            var app = AgentHost.Build([], builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                if (fakes is not null)
                {
                    builder.Services.AddSingleton<ICheckpointEngine>(fakes.Checkpoints);
                    builder.Services.AddSingleton<IRestoreEngine>(fakes.Restores);
                    builder.Services.AddSingleton<ICheckpointCatalog>(fakes.Catalog);
                    builder.Services.AddSingleton<ICriu>(fakes.Criu);
                }

                services?.Invoke(builder.Services);
            });
            return new InProcessAgent(app, directory, fakes);
        }
        catch
        {
            // Configuration is checked as the agent is built: remove the directory of the agent that never was.
            directory.Dispose();
            throw;
        }
    }

    private static async Task<InProcessAgent> RunOrDisposeAsync(InProcessAgent agent, CancellationToken cancellationToken)
    {
        try
        {
            await agent.RunAsync(cancellationToken);
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    private sealed record FakeEngines(FakeCatalog Catalog, FakeCheckpointEngine Checkpoints, FakeRestoreEngine Restores, FakeCriu Criu);

    private AgentService.AgentServiceClient Track(GrpcChannel channel)
    {
        channels.Add(channel);
        return new AgentService.AgentServiceClient(channel);
    }
}
