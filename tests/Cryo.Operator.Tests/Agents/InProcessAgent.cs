using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Tests.Agents;

/// <summary>
/// A real gRPC server (Kestrel, HTTP/2 cleartext on loopback) serving the fake agent engine, which can be
/// stopped and started again on the same port to play an agent that is down.
/// </summary>
public sealed class InProcessAgent : IAsyncDisposable
{
    private WebApplication? app;

    private InProcessAgent(FakeAgentEngine engine) => Engine = engine;

    /// <summary>The engine behind the server.</summary>
    public FakeAgentEngine Engine { get; }

    /// <summary>The TCP port (kept across restarts).</summary>
    public int Port { get; private set; }

    /// <summary>Starts an agent for <paramref name="nodeName"/> on a free port.</summary>
    public static async Task<InProcessAgent> StartAsync(string nodeName)
    {
        var agent = new InProcessAgent(new FakeAgentEngine(nodeName));
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
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Engine);
        app = builder.Build();
        app.MapGrpcService<FakeAgentService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
    }
}
