using System.Globalization;
using System.Security.Cryptography;
using Cryo.Agent.Grpc;
using Cryo.Agent.Metrics;
using Cryo.Agent.Operations;
using Cryo.Contracts.Agent.V1;
using Grpc.Core;

namespace Cryo.Agent.Transfer;

/// <summary>
/// A checkpoint's file bytes for another agent as one plain HTTP/1.1 response body: what
/// <c>CheckpointTransfer.FetchCheckpoint</c> streams as 1 MiB messages, without gRPC's framing. Over HTTP/2 a
/// message travels as 16 KiB frames, copied into a message buffer and again into the message's bytes on
/// arrival: over loopback mutual TLS that cost five times what the TLS did (issue 15's profile, README
/// "Moving checkpoints between nodes"). The bytes are those of <see cref="CheckpointSender"/>, from the same
/// resume point and length, bounded by the same stream limit and bandwidth; the manifest stays on gRPC, and
/// this response names it by digest (<see cref="ManifestDigestHeader"/>) so a puller sees a checkpoint that
/// changed between streams. Served on the mutual-TLS listener to the same callers as <c>CheckpointTransfer</c>
/// (<see cref="Security.CallerAuthorizationMiddleware"/>, through <see cref="Metadata"/>).
/// </summary>
/// <example>
/// <code>
/// GET /cryo.agent.v1.CheckpointTransfer/bytes?namespace=default&amp;name=warm-jvm&amp;path=images/pages-1.img&amp;offset=0&amp;length=67108864
/// 200, Cryo-Manifest-Sha256: 3f…, the bytes; or a status with grpc-status, grpc-status-details-bin and the message as the body.
/// </code>
/// </example>
public static class CheckpointBytesEndpoint
{
    /// <summary>The route.</summary>
    public const string Pattern = "/cryo.agent.v1.CheckpointTransfer/bytes";

    /// <summary>The response header naming the SHA-256 (lowercase hex) of the manifest the bytes belong to.</summary>
    public const string ManifestDigestHeader = "Cryo-Manifest-Sha256";

    /// <summary>The endpoint's metadata: who may call it (<see cref="Security.CallerAuthorizationMiddleware"/>).</summary>
    public static readonly PeerTransferEndpoint Metadata = new();

    /// <summary>Answers one request: validate, stream what the sender reads, or say why not.</summary>
    public static async Task HandleAsync(HttpContext context, RequestValidator validator, CheckpointSender sender, AgentMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        IAsyncEnumerator<TransferPart>? parts = null;
        try
        {
            var (ns, name) = validator.Ref(new CheckpointRef { Namespace = query["namespace"].ToString(), Name = query["name"].ToString() }, "checkpoint");
            parts = sender.SendAsync(ns, name, query["path"].ToString(), Long(query, "offset"), Long(query, "length"), manifestOnly: false, context.RequestAborted)
                .GetAsyncEnumerator(context.RequestAborted);
            // The first part is the manifest: the slot is taken and the resume point checked by then.
            await parts.MoveNextAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await RefuseAsync(context, StatusMapper.ToRpcException(e));
            if (parts is not null)
            {
                await parts.DisposeAsync();
            }

            return;
        }

        await using (parts)
        {
            var manifest = parts.Current.Manifest!.Value.Span;
            context.Response.Headers[ManifestDigestHeader] = Convert.ToHexStringLower(SHA256.HashData(manifest));
            context.Response.ContentType = "application/octet-stream";
            // A length, not chunks: neither end frames the body, and a stream cut short cannot pass for complete.
            context.Response.ContentLength = CheckpointSender.BytesToSend(manifest, query["path"].ToString(), Long(query, "offset"), Long(query, "length"));
            try
            {
                while (await parts.MoveNextAsync())
                {
                    // Copied into the response before WriteAsync returns; only then does the sender reuse its buffer.
                    await context.Response.BodyWriter.WriteAsync(parts.Current.Data, context.RequestAborted);
                    metrics.TransferSent(parts.Current.Data.Length);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The status is sent already: cut the stream, so the puller sees it short, never complete.
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CheckpointBytesEndpoint))
                    .LogWarning(e, "serving checkpoint bytes ended early: {Reason}", e.Message);
                context.Abort();
            }
        }
    }

    private static long Long(IQueryCollection query, string key)
    {
        var text = query[key].ToString();
        return text.Length == 0 ? 0
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
            : throw new InvalidRequestException(key, $"\"{text}\" is not a byte count");
    }

    // The status a gRPC call would end with, in the headers gRPC uses, and its message as the body.
    private static async Task RefuseAsync(HttpContext context, RpcException refusal)
    {
        context.Response.StatusCode = refusal.StatusCode switch
        {
            StatusCode.NotFound => StatusCodes.Status404NotFound,
            StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
            StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
            StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
            StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status500InternalServerError,
        };
        context.Response.Headers["grpc-status"] = ((int)refusal.StatusCode).ToString(CultureInfo.InvariantCulture);
        if (refusal.Trailers.GetValueBytes("grpc-status-details-bin") is { } details)
        {
            context.Response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(details);
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(refusal.Status.Detail, context.RequestAborted);
    }
}
