using Cryo.Contracts;
using Cryo.Contracts.Agent.V1;
using Grpc.Net.Client;

namespace Cryo.Cli;

/// <summary>A gRPC channel to the agent over its Unix socket.</summary>
public sealed class AgentConnection : IDisposable
{
    /// <summary>Where the agent listens unless told otherwise (the agent's own default).</summary>
    public const string DefaultSocketPath = "/run/cryo/agent.sock";

    /// <summary>The environment variable that overrides <see cref="DefaultSocketPath"/>.</summary>
    public const string SocketEnvironmentVariable = "CRYO_SOCKET";

    private readonly GrpcChannel channel;

    /// <summary>Opens a channel to the socket at <paramref name="socketPath"/> (connects lazily).</summary>
    public AgentConnection(string socketPath)
    {
        SocketPath = socketPath;
        channel = UnixSocketChannel.Create(socketPath);
        Client = new AgentService.AgentServiceClient(channel);
        Archives = new CheckpointArchive.CheckpointArchiveClient(channel);
    }

    /// <summary>The agent's checkpoint archive API.</summary>
    public CheckpointArchive.CheckpointArchiveClient Archives { get; }

    /// <summary>The socket's path.</summary>
    public string SocketPath { get; }

    /// <summary>The agent's API.</summary>
    public AgentService.AgentServiceClient Client { get; }

    /// <inheritdoc />
    public void Dispose() => channel.Dispose();
}
