using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Cryo.Testing.Certificates;

namespace Cryo.Testing.Agents;

/// <summary>
/// The agent as its clients (the operator, its benchmark) see it: a real gRPC server (Kestrel, HTTP/2 on
/// loopback, mutual TLS when asked) serving a scripted fake engine instead of the agent's code, which can be
/// stopped and started again on the same port to play an agent that is down. (The agent's own code, hosted
/// in-process, is Cryo.Testing.Agent's InProcessAgent.)
/// </summary>
public sealed class FakeAgentServer : IAsyncDisposable
{
    private readonly TestPki? tls;
    private WebApplication? app;

    private FakeAgentServer(FakeAgentEngine engine, TestPki? tls)
    {
        Engine = engine;
        this.tls = tls;
    }

    /// <summary>The engine behind the server.</summary>
    public FakeAgentEngine Engine { get; }

    /// <summary>The TCP port (kept across restarts).</summary>
    public int Port { get; private set; }

    /// <summary>
    /// Starts an agent for <paramref name="nodeName"/> on a free port; with <paramref name="tls"/> it serves
    /// its certificate and requires a client certificate from the same CA (mutual TLS, like the real agent).
    /// </summary>
    public static async Task<FakeAgentServer> StartAsync(string nodeName, TestPki? tls = null)
    {
        var agent = new FakeAgentServer(new FakeAgentEngine(nodeName), tls);
        await agent.StartAsync(0);
        return agent;
    }

    /// <summary>Starts serving again on the same port.</summary>
    public Task RestartAsync() => StartAsync(Port);

    /// <summary>Stops serving: connections are refused until <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o =>
        {
            o.Protocols = HttpProtocols.Http2;
            if (tls is not null)
            {
                o.UseHttps(https =>
                {
                    https.ServerCertificate = tls.Agent;
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (certificate, _, _) =>
                    {
                        using var chain = new X509Chain();
                        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                        chain.ChainPolicy.CustomTrustStore.Add(tls.Ca);
                        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                        return chain.Build(certificate);
                    };
                });
            }
        }));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Engine);
        app = builder.Build();
        app.MapGrpcService<FakeAgentService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
    }
}
