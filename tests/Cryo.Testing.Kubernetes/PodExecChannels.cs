using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Cryo.Testing.Kubernetes;

/// <summary>
/// The kubelet's side of the v4 channel protocol of <c>pods/exec</c>: binary frames whose first byte names the stream
/// (1 stdout, 2 stderr, 3 the final status as a metav1.Status, with the exit code as a cause when it is not 0).
/// </summary>
internal static class PodExecChannels
{
    private const byte Stdout = 1;
    private const byte Stderr = 2;
    private const byte Status = 3;

    public static async Task WriteAsync(WebSocket socket, PodExecResult result, CancellationToken cancellationToken)
    {
        await SendAsync(socket, Stdout, result.Stdout, cancellationToken);
        await SendAsync(socket, Stderr, result.Stderr, cancellationToken);
        var status = result.ExitCode == 0
            ? new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" }
            : new JsonObject
            {
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = $"command terminated with non-zero exit code: exit status {result.ExitCode}",
                ["reason"] = "NonZeroExitCode",
                ["details"] = new JsonObject
                {
                    ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = result.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
                },
            };
        await SendAsync(socket, Status, status.ToJsonString(), cancellationToken);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
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
