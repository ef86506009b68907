using System.Net.WebSockets;

namespace Cryo.Testing.Kubernetes;

/// <summary>One output channel of a <c>pods/exec</c> WebSocket: every write becomes binary frames prefixed with the channel's number.</summary>
internal sealed class PodExecChannelStream(WebSocket socket, byte channel, SemaphoreSlim sending) : Stream
{
    private const int FrameBytes = 32 * 1024;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Frames of at most 32 KiB, as the kubelet sends them; one sender at a time on the socket.
        for (var offset = 0; offset < buffer.Length; offset += FrameBytes)
        {
            var chunk = buffer.Slice(offset, Math.Min(FrameBytes, buffer.Length - offset));
            var frame = new byte[chunk.Length + 1];
            frame[0] = channel;
            chunk.CopyTo(frame.AsMemory(1));
            await sending.WaitAsync(cancellationToken);
            try
            {
                await socket.SendAsync(frame, WebSocketMessageType.Binary, true, cancellationToken);
            }
            finally
            {
                sending.Release();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
