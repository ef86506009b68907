using Cryo.Agent.Transfer;
using Grpc.AspNetCore.Server;

namespace Cryo.Agent.Security;

/// <summary>
/// Lets a gRPC call through only on the Unix socket (whose file mode admits root alone) or on the mutual-TLS
/// listener with an accepted client certificate. The TLS handshake already refuses other certificates;
/// this is the second lock, and it keeps gRPC off the plain-HTTP probe port. Each service answers only on its own
/// listener (<see cref="Listener"/>): the CSI driver's services on the kubelet's sockets, the agent's API never there.
/// Runs before any service code.
/// </summary>
public sealed class CallerAuthorizationMiddleware(RequestDelegate next, ILogger<CallerAuthorizationMiddleware> logger)
{
    /// <summary>Checks the caller of a gRPC endpoint or of a <see cref="PeerTransferEndpoint"/>; other endpoints (probes, metrics) pass.</summary>
    public async Task InvokeAsync(HttpContext context, IServiceProvider services)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        (string Name, Listener Own, bool PeersToo)? checkedEndpoint = metadata?.GetMetadata<GrpcMethodMetadata>() is { } method
            ? (method.Method.ServiceName, ListenerTags.For(method.ServiceType), method.ServiceType == typeof(Grpc.TransferGrpcService))
            : metadata?.GetMetadata<PeerTransferEndpoint>() is { } transfer ? (transfer.Name, Listener.Agent, true)
            : null;
        if (checkedEndpoint is not var (name, own, peersToo))
        {
            await next(context);
            return;
        }

        var arrived = ListenerTags.Of(context);
        var (allowed, reason) = own == arrived
            ? Authorize(context, services, peersToo)
            : (false, $"{name} is served on the {own} listener, not the {arrived} one");
        if (!allowed)
        {
            logger.LogWarning("refused gRPC call {Path} from {Remote}: {Reason}", context.Request.Path, context.Connection.RemoteIpAddress, reason);

            // gRPC clients turn HTTP 403 into PERMISSION_DENIED.
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        await next(context);
    }

    // Other agents may pull checkpoints (CheckpointTransfer), never call the agent's own API.
    private static (bool Allowed, string Reason) Authorize(HttpContext context, IServiceProvider services, bool peersToo)
    {
        // Kestrel leaves the IP address empty for a Unix-domain-socket connection.
        if (context.Connection.LocalIpAddress is null)
        {
            return PeerCredentials.Authorize(context);
        }

        if (!context.Request.IsHttps)
        {
            return (false, "gRPC is served only on the Unix socket and the mutual-TLS port");
        }

        var validator = services.GetService<ClientCertificateValidator>();
        return validator is null
            ? (false, "no client CA configured")
            : validator.Validate(context.Connection.ClientCertificate, peersToo: peersToo);
    }
}
