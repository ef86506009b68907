using System.IO.Pipelines;
using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Cryo.Agent.Transfer;

/// <summary>
/// A connection middleware for the mutual-TLS listener (after <c>UseHttps</c>) that hands the TLS stream
/// writes of <see cref="WriteBytes"/> on HTTP/1.1 connections, the ones that carry
/// <see cref="CheckpointBytesEndpoint"/>'s bodies. Kestrel's own TLS output writes each 4 KiB block of its
/// memory pool to the <see cref="SslStream"/> on its own: a 4 KiB TLS record and a send for every 4 KiB of a
/// checkpoint, encrypted and decrypted with the per-record cost four times over. Larger writes fill 16 KiB
/// records. HTTP/2 connections (gRPC) keep Kestrel's writer: their frames are 16 KiB at most anyway.
/// </summary>
public static class LargeTlsWrites
{
    /// <summary>Bytes the TLS stream is handed at a time at most (whole 16 KiB records).</summary>
    public const int WriteBytes = 256 * 1024;

    /// <summary>The middleware: <c>listen.UseHttps(…); listen.Use(LargeTlsWrites.Middleware);</c>.</summary>
    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async context =>
    {
        var tls = context.Features.Get<ISslStreamFeature>()?.SslStream;
        // Without ALPN's "h2" Kestrel speaks HTTP/1.1, so anything but HTTP/2 gets the larger writes.
        if (tls is null || tls.NegotiatedApplicationProtocol == SslApplicationProtocol.Http2)
        {
            await next(context);
            return;
        }

        var transport = context.Transport;
        // Segments of WriteBytes, each written to the TLS stream whole when Kestrel flushes; the connection's
        // TLS stream stays Kestrel's to close.
        var output = PipeWriter.Create(tls, new StreamPipeWriterOptions(minimumBufferSize: WriteBytes, leaveOpen: true));
        context.Transport = new DuplexPipe(transport.Input, output);
        try
        {
            await next(context);
        }
        finally
        {
            await output.CompleteAsync();
            context.Transport = transport;
        }
    };
}
