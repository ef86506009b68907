using Cryo.Agent.Csi;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Cryo.Agent.Security;

/// <summary>
/// Which of the agent's listeners a connection came in on, so each gRPC service answers on its own: the agent's API
/// on its socket and mutual-TLS port, the CSI driver on the CSI socket, registration on the registration socket.
/// Kestrel serves every endpoint on every listener; the listener tags its connections and
/// <see cref="CallerAuthorizationMiddleware"/> refuses a service on a listener that is not its own.
/// </summary>
public enum Listener
{
    /// <summary>The agent's Unix socket, mutual-TLS port or probe port (untagged connections).</summary>
    Agent,

    /// <summary>The CSI driver's socket (<see cref="CsiOptions.SocketPath"/>).</summary>
    Csi,

    /// <summary>The kubelet plugin registration socket (<see cref="CsiOptions.RegistrationSocketPath"/>).</summary>
    Registration,
}

/// <summary>Tags connections with their <see cref="Listener"/> and reads the tag back.</summary>
public static class ListenerTags
{
    private const string Key = "cryo.listener";

    /// <summary>Connection middleware that tags every connection of a listener.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Tag(Listener listener) => next => connection =>
    {
        connection.Items[Key] = listener;
        return next(connection);
    };

    /// <summary>The listener a request's connection came in on.</summary>
    public static Listener Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Key, out var value) == true && value is Listener listener
            ? listener
            : Listener.Agent;
    }

    /// <summary>The listener a gRPC service is served on.</summary>
    public static Listener For(Type serviceType) =>
        serviceType == typeof(CsiNodeService) || serviceType == typeof(CsiIdentityService) ? Listener.Csi
        : serviceType == typeof(PluginRegistrationService) ? Listener.Registration
        : Listener.Agent;
}
