using System.Buffers;
using System.Threading.Channels;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Lands a body of checkpoint bytes in two steps that run side by side: a task reads it (decrypting the TLS
/// records) into pooled buffers of a whole size, while the caller's step writes and hashes the buffers read
/// before. Done one after the other on one thread, the source stalled while the receiver hashed: over gRPC,
/// HTTP/2's connection reader had done the reading apart. A few buffers queue at most.
/// </summary>
internal static class BodyPipeline
{
    /// <summary>Reads <paramref name="body"/> to its end, handing each buffer to <paramref name="land"/> in order.</summary>
    /// <param name="body">The body.</param>
    /// <param name="land">Takes the next bytes; what it throws ends the reading and is thrown.</param>
    /// <param name="bufferBytes">Bytes handed over at a time (the last buffer may hold fewer).</param>
    /// <param name="queued">Buffers read ahead at most.</param>
    /// <param name="cancellationToken">Stops both steps.</param>
    public static async Task LandAsync(Stream body, LandBytes land, int bufferBytes, int queued, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var queue = Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(queued) { SingleReader = true, SingleWriter = true });
        var reading = ReadAsync(body, queue.Writer, bufferBytes, stop.Token);
        try
        {
            await foreach (var (buffer, length) in queue.Reader.ReadAllAsync(stop.Token))
            {
                try
                {
                    land(buffer.AsSpan(0, length));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch
        {
            // The landing's failure (a digest, a cancellation) is the one to report; the reading just stops.
            await stop.CancelAsync();
            await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        await reading;
    }

    private static async Task ReadAsync(Stream body, ChannelWriter<(byte[] Buffer, int Length)> queue, int bufferBytes, CancellationToken cancellationToken)
    {
        // Off the caller's thread from the start: the caller lands while this reads.
        await Task.Yield();
        Exception? failure = null;
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(bufferBytes);
                var filled = 0;
                int read;
                while (filled < bufferBytes && (read = await body.ReadAsync(buffer.AsMemory(filled, bufferBytes - filled), cancellationToken)) > 0)
                {
                    filled += read;
                }

                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return;
                }

                await queue.WriteAsync((buffer, filled), cancellationToken);
                if (filled < bufferBytes)
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            queue.TryComplete(failure);
        }
    }
}
