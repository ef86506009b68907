using System.Net.Sockets;

namespace Cryo.Agent.Transfer;

/// <summary>
/// A puller's connection to another agent under its TLS (<see cref="ConnectAsync"/>): reads the socket
/// <see cref="BufferBytes"/> at a time and hands TLS its records from memory. <see cref="System.Net.Security.SslStream"/>
/// asks its inner stream for a record or two (about 16 KiB) at a time, one receive each: for a checkpoint of
/// gigabytes, tens of thousands of system calls that a large read makes a few hundred. Writes pass straight through
/// (a request, the handshake), so nothing written waits in a buffer.
/// </summary>
public sealed class ReadAheadStream : Stream
{
    /// <summary>Bytes read from the socket at a time at most.</summary>
    public const int BufferBytes = 256 * 1024;

    private readonly Stream inner;
    private readonly byte[] ahead = new byte[BufferBytes];
    private int start;
    private int end;

    /// <summary>Reads <paramref name="inner"/> ahead; disposing this disposes it.</summary>
    public ReadAheadStream(Stream inner) => this.inner = inner;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>A <c>SocketsHttpHandler.ConnectCallback</c>: a TCP connection (no delay) to the endpoint, read ahead.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
#pragma warning disable CA2000 // Owned by the NetworkStream returned, or disposed below when connecting fails.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
#pragma warning restore CA2000
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new ReadAheadStream(new NetworkStream(socket, ownsSocket: true));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (start == end)
        {
            if (buffer.Length >= ahead.Length)
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }

            start = 0;
            end = await inner.ReadAsync(ahead, cancellationToken);
        }

        return Take(buffer.Span);
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        if (start == end)
        {
            if (buffer.Length >= ahead.Length)
            {
                return inner.Read(buffer);
            }

            start = 0;
            end = inner.Read(ahead);
        }

        return Take(buffer);
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    /// <inheritdoc />
    public override void Flush() => inner.Flush();

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Take(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, end - start);
        ahead.AsSpan(start, count).CopyTo(destination);
        start += count;
        return count;
    }
}
