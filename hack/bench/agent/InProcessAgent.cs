using Cryo.Agent.Hosting;
using Cryo.Agent.Operations;
using Cryo.Contracts;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cryo.Bench.Agent;

/// <summary>
/// The agent as <c>Program.cs</c> builds it (<see cref="AgentHost.Build"/>: Kestrel, the gRPC service, the
/// operation registry and gate, metrics), over the bench's own engines and store, on a Unix socket in the
/// bench's directory, with a real gRPC client on that socket: what the CLI and the operator go through.
/// </summary>
public sealed class InProcessAgent : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly GrpcChannel channel;

    private InProcessAgent(WebApplication app, string socketPath)
    {
        this.app = app;
        channel = UnixSocketChannel.Create(socketPath);
        Client = new AgentService.AgentServiceClient(channel);
    }

    public AgentService.AgentServiceClient Client { get; }

    public static async Task<InProcessAgent> StartAsync(BenchEngines engines, string directory, string criuPath, CancellationToken cancellationToken)
    {
        var socketPath = Path.Combine(directory, "agent.sock");
        var app = AgentHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Agent:SocketPath"] = socketPath,
                ["Agent:CriuPath"] = criuPath,
                ["Agent:NodeName"] = engines.Options.NodeName,
                ["Agent:DefaultTimeoutSeconds"] = ((int)BenchSteps.Deadline.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Store:RootDirectory"] = engines.Store.RootDirectory,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.Services.AddSingleton<ICheckpointEngine>(engines.Timed);
            builder.Services.AddSingleton<IRestoreEngine>(engines.Timed);
            builder.Services.AddSingleton(engines.Store);
            builder.Services.AddSingleton<ICriu>(engines.Criu);
        });
        try
        {
            await app.StartAsync(cancellationToken);
            var agent = new InProcessAgent(app, socketPath);

            // Connects (HTTP/2 over the socket) and runs the call path once, so no timed call pays for either.
            await agent.Client.GetNodeInfoAsync(new GetNodeInfoRequest(), deadline: DateTime.UtcNow.AddMinutes(1), cancellationToken: cancellationToken);
            return agent;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        channel.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }
}
