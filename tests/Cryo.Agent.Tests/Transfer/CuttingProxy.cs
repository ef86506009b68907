using System.Net;
using System.Net.Sockets;

namespace Cryo.Agent.Tests.Transfer;

/// <summary>
/// A loopback TCP proxy in front of an agent that cuts its first connection once it has passed
/// <paramref name="cutAfterBytes"/> bytes towards the client (a dropped link mid-transfer); later connections pass whole.
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly int targetPort;
    private readonly long cutAfterBytes;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> pumps = [];
    private readonly Task accepting;
    private int connections;

    public CuttingProxy(int targetPort, long cutAfterBytes)
    {
        this.targetPort = targetPort;
        this.cutAfterBytes = cutAfterBytes;
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Connections cut so far.</summary>
    public int Cuts { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await Task.WhenAll([accepting, .. pumps]).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                var cut = Interlocked.Increment(ref connections) == 1;
                lock (pumps)
                {
                    pumps.Add(RelayAsync(client, cut ? cutAfterBytes : long.MaxValue));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task RelayAsync(TcpClient client, long budget)
    {
        using (client)
        using (var server = new TcpClient())
        {
            await server.ConnectAsync(IPAddress.Loopback, targetPort, stop.Token);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            var up = CopyAsync(client.GetStream(), server.GetStream(), long.MaxValue, linked.Token);
            var down = CopyAsync(server.GetStream(), client.GetStream(), budget, linked.Token);
            await Task.WhenAny(up, down);
            if (down.IsCompletedSuccessfully && down.Result)
            {
                Cuts++;
            }

            await linked.CancelAsync();
            client.Client.Shutdown(SocketShutdown.Both);
            server.Client.Shutdown(SocketShutdown.Both);
            await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    // Copies until either side closes, or the budget is spent (returns true: cut).
    private static async Task<bool> CopyAsync(NetworkStream from, NetworkStream to, long budget, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (budget > 0)
            {
                var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, budget)), cancellationToken);
                if (read == 0)
                {
                    return false;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                budget -= read;
            }

            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
