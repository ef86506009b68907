using System.Net.Sockets;
using Grpc.Net.Client;

namespace Cryo.Contracts;

/// <summary>A gRPC channel to the agent's Unix socket (the CLI's way in, and the tests' and benchmarks').</summary>
public static class UnixSocketChannel
{
    /// <summary>Opens a channel to the socket at <paramref name="socketPath"/>; it connects lazily, on the first call.</summary>
    public static GrpcChannel Create(string socketPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

        // The authority is not used for routing over a Unix socket; "localhost" keeps HTTP/2 happy.
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
