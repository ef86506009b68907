using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Cryo.Agent.Hosting;
using Cryo.Agent.Operations;
using Cryo.Contracts;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cryo.Agent.Tests.Grpc;

/// <summary>
/// A real agent (Kestrel, Unix socket, optional mutual-TLS and probe ports on loopback port 0) with fake
/// engines and catalog, in a temporary directory removed on dispose.
/// </summary>
public sealed class TestAgent : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly List<GrpcChannel> channels = [];
    private bool started;

    private TestAgent(WebApplication app, string directory, FakeCatalog catalog, FakeCheckpointEngine checkpoints, FakeRestoreEngine restores)
    {
        this.app = app;
        Directory = directory;
        Catalog = catalog;
        Checkpoints = checkpoints;
        Restores = restores;
        SocketPath = Path.Combine(directory, "agent.sock");
    }

    public string Directory { get; }

    public string SocketPath { get; }

    public FakeCatalog Catalog { get; }

    public FakeCheckpointEngine Checkpoints { get; }

    public FakeRestoreEngine Restores { get; }

    public IServiceProvider Services => app.Services;

    public int? TlsPort { get; private set; }

    public int? HttpPort { get; private set; }

    /// <summary>Builds the agent without starting it (for start-up failure tests).</summary>
    public static TestAgent Create(Action<Dictionary<string, string?>>? configure = null, CriuVersion? criuVersion = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("cryo-agent-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Agent:SocketPath"] = Path.Combine(directory, "agent.sock"),
            ["Agent:ListenAddress"] = "127.0.0.1",
            ["Agent:HttpPort"] = "0",
            // The fake CRIU answers; the path only has to exist (tests of a missing CRIU point it elsewhere).
            ["Agent:CriuPath"] = "/bin/sh",
            ["Agent:NodeName"] = "test-node",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        configure?.Invoke(settings);
        var catalog = new FakeCatalog(directory);
        var checkpoints = new FakeCheckpointEngine(catalog);
        var restores = new FakeRestoreEngine(catalog);
        try
        {
            var app = AgentHost.Build([], builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Services.AddSingleton<ICheckpointEngine>(checkpoints);
                builder.Services.AddSingleton<IRestoreEngine>(restores);
                builder.Services.AddSingleton<ICheckpointCatalog>(catalog);
                builder.Services.AddSingleton<ICriu>(new FakeCriu(criuVersion ?? new CriuVersion(4, 2, 1)));
            });
            return new TestAgent(app, directory, catalog, checkpoints, restores);
        }
        catch
        {
            // Configuration is checked as the agent is built: remove the directory of the agent that never was.
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    public static async Task<TestAgent> StartAsync(Action<Dictionary<string, string?>>? configure = null, CriuVersion? criuVersion = null)
    {
        var agent = Create(configure, criuVersion);
        try
        {
            await agent.RunAsync();
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds the settings for the mutual-TLS listener on a free loopback port.</summary>
    public static Action<Dictionary<string, string?>> WithTls(TestPki pki, Action<Dictionary<string, string?>>? more = null) => settings =>
    {
        settings["Agent:TcpPort"] = "0";
        settings["Agent:TlsCertificatePath"] = pki.AgentCertificatePath;
        settings["Agent:TlsKeyPath"] = pki.AgentKeyPath;
        settings["Agent:ClientCaPath"] = pki.CaPath;
        more?.Invoke(settings);
    };

    public async Task RunAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
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
    public AgentService.AgentServiceClient TlsClient(X509Certificate2 trustedCa, X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // Only ClientCertificates, as the operator's client does: the agent must get the certificate
                // without a selection callback forcing it.
                ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
                RemoteCertificateValidationCallback = (_, server, _, _) => server is not null && ChainsTo(X509CertificateLoader.LoadCertificate(server.GetRawCertData()), trustedCa),
            },
        };
        return Track(GrpcChannel.ForAddress($"https://localhost:{TlsPort}", new GrpcChannelOptions { HttpHandler = handler }));
    }

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

        if (started)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await app.StopAsync(timeout.Token);
        }

        await app.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
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

    private AgentService.AgentServiceClient Track(GrpcChannel channel)
    {
        channels.Add(channel);
        return new AgentService.AgentServiceClient(channel);
    }
}
