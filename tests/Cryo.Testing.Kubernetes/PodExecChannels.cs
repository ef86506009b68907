using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Cryo.Testing.Kubernetes;

/// <summary>
/// The kubelet's side of the v4 channel protocol of <c>pods/exec</c>: binary frames whose first byte names the stream
/// (1 stdout, 2 stderr, 3 the final status as a metav1.Status, with the exit code as a cause when it is not 0), and
/// the client's frames on channel 0, its standard input; v5 (<c>v5.channel.k8s.io</c>) adds the close frame
/// (255, then the channel) with which a client ends its standard input, which v4 cannot.
/// </summary>
internal static class PodExecChannels
{
    private const byte Stdin = 0;
    private const byte Stdout = 1;
    private const byte Stderr = 2;
    private const byte Status = 3;
    private const byte Close = 255;

    public static async Task WriteAsync(WebSocket socket, PodExecResult result, CancellationToken cancellationToken)
    {
        await SendAsync(socket, Stdout, result.Stdout, cancellationToken);
        await SendAsync(socket, Stderr, result.Stderr, cancellationToken);
        await SendStatusAsync(socket, result.ExitCode, cancellationToken);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
    }

    /// <summary>Runs a command on the open socket: its standard input from the client's frames, its output as frames, then its status.</summary>
    public static async Task RunAsync(WebSocket socket, Func<PodExecStreams, Task<int>> command, CancellationToken cancellationToken)
    {
        var stdin = new Pipe();
        using var sending = new SemaphoreSlim(1, 1);
        var receiving = ReceiveAsync(socket, stdin.Writer, cancellationToken);
        int exitCode;
        await using (var input = stdin.Reader.AsStream())
        await using (var stdout = new PodExecChannelStream(socket, Stdout, sending))
        await using (var stderr = new PodExecChannelStream(socket, Stderr, sending))
        {
            exitCode = await command(new PodExecStreams(input, stdout, stderr));
        }

        await SendStatusAsync(socket, exitCode, cancellationToken);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
        await receiving;
    }

    // Channel 0 into the command's standard input until the client closes it or the connection ends.
    private static async Task ReceiveAsync(WebSocket socket, PipeWriter stdin, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var open = true;
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer, cancellationToken);
                    message.Write(buffer, 0, received.Count);
                }
                while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                var frame = message.GetBuffer().AsMemory(0, (int)message.Length);
                if (frame.Length > 0 && frame.Span[0] == Stdin && open)
                {
                    await stdin.WriteAsync(frame[1..], cancellationToken);
                }
                else if (frame.Length > 1 && frame.Span[0] == Close && frame.Span[1] == Stdin && open)
                {
                    open = false;
                    await stdin.CompleteAsync();
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The connection ended: so does standard input.
        }

        if (open)
        {
            await stdin.CompleteAsync();
        }
    }

    private static async Task SendStatusAsync(WebSocket socket, int exitCode, CancellationToken cancellationToken)
    {
        var status = exitCode == 0
            ? new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" }
            : new JsonObject
            {
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = $"command terminated with non-zero exit code: exit status {exitCode}",
                ["reason"] = "NonZeroExitCode",
                ["details"] = new JsonObject
                {
                    ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
                },
            };
        await SendAsync(socket, Status, status.ToJsonString(), cancellationToken);
    }

    private static async Task SendAsync(WebSocket socket, byte channel, string text, CancellationToken cancellationToken)
    {
        // Large output goes in several frames, as the kubelet's does; an empty stream sends nothing.
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var offset = 0; offset < bytes.Length; offset += 32 * 1024)
        {
            var chunk = bytes.AsSpan(offset, Math.Min(32 * 1024, bytes.Length - offset));
            var frame = new byte[chunk.Length + 1];
            frame[0] = channel;
            chunk.CopyTo(frame.AsSpan(1));
            await socket.SendAsync(frame, WebSocketMessageType.Binary, true, cancellationToken);
        }
    }
}
