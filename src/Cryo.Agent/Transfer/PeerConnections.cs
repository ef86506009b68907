using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Cryo.Agent.Hosting;
using Cryo.Agent.Operations;
using Cryo.Agent.Security;
using Cryo.Contracts.Agent.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Transfer;

/// <summary>
/// Opens connections to another agent's <c>CheckpointTransfer</c> service for a pull: mutual TLS with this
/// agent's own certificate as the client's (the chart issues it for server and client authentication), the
/// peer's certificate chaining to the client CA (<see cref="AgentOptions.ClientCaPath"/>) and naming one of
/// <see cref="AgentOptions.PeerIdentities"/>. Agents are dialled by pod IP, so the name is checked here, not
/// against the address; the chain is checked as the agent checks its own clients (<see cref="AuthorityChain"/>: exactly
/// that CA, valid by the agent's clock). Each connection is its own TLS session, so parallel streams spread over cores.
/// </summary>
public sealed class PeerConnections(IOptions<AgentOptions> options, TimeProvider time)
{
    /// <summary>Connections to <paramref name="address"/>, each with a client; dispose the result to close them.</summary>
    /// <param name="address">The peer's mutual-TLS listener, <c>https://HOST:PORT</c>.</param>
    /// <param name="count">How many connections (the pull's streams).</param>
    /// <exception cref="InvalidRequestException">The address is not an https URI.</exception>
    /// <exception cref="FeatureUnavailableException">This agent has no TLS certificate or peer identities configured.</exception>
    public PeerChannels Open(string address, int count)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.AbsolutePath != "/")
        {
            throw new InvalidRequestException("source_address", $"\"{address}\" is not the https://HOST:PORT of an agent's mutual-TLS listener");
        }

        var settings = options.Value;
        if (settings.TlsCertificatePath is null || settings.ClientCaPath is null || settings.PeerIdentities.Count == 0)
        {
            throw new FeatureUnavailableException("agent-transfer",
                "pulling from another agent needs this agent's TLS certificate (Agent:TlsCertificatePath, Agent:TlsKeyPath), the CA (Agent:ClientCaPath) and the agents' identity (Agent:PeerIdentities)");
        }

#pragma warning disable CA2000 // Owned by the PeerChannels returned, which disposes them with the connections.
        var own = X509Certificate2.CreateFromPemFile(settings.TlsCertificatePath, settings.TlsKeyPath);
        var authority = X509CertificateLoader.LoadCertificateFromFile(settings.ClientCaPath);
#pragma warning restore CA2000
        var isPeer = PeerCheck(new AuthorityChain(authority), settings.PeerIdentities, time);
        var connections = new List<PeerConnection>();
        var owned = new List<IDisposable>();
        for (var i = 0; i < count; i++)
        {
            // The bytes client has a handler of its own: a channel's handler dials through gRPC's subchannels only.
#pragma warning disable CA2000 // The client and the channel own their handlers; PeerChannels disposes them.
            var bytesHandler = Handler(settings, own, isPeer);
            bytesHandler.ConnectCallback = ReadAheadStream.ConnectAsync;
            var bytes = new HttpClient(bytesHandler, disposeHandler: true) { BaseAddress = uri, Timeout = Timeout.InfiniteTimeSpan };
            var channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions { HttpHandler = Handler(settings, own, isPeer), DisposeHttpClient = true });
#pragma warning restore CA2000
            connections.Add(new PeerConnection(new CheckpointTransfer.CheckpointTransferClient(channel), bytes));
            owned.Add(bytes);
            owned.Add(channel);
        }

        owned.Add(own);
        owned.Add(authority);
        return new PeerChannels(connections, owned);
    }

    /// <summary>
    /// The TLS callback that accepts the agent answering a pull: its certificate chains exactly to
    /// <paramref name="authority"/>'s CA at <paramref name="time"/>'s now (with the intermediates it sent) and names one
    /// of <paramref name="identities"/>. The platform's own name check is not used: agents are dialled by pod IP.
    /// </summary>
    public static RemoteCertificateValidationCallback PeerCheck(AuthorityChain authority, IReadOnlyList<string> identities, TimeProvider time) =>
        (_, certificate, chain, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                return false;
            }

            using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return authority.Verify(presented, chain?.ChainElements.Select(e => e.Certificate), time.GetUtcNow()).Trusted
                && ClientCertificateValidator.IdentitiesOf(presented).Any(n => identities.Contains(n, StringComparer.OrdinalIgnoreCase));
        };

    private static SocketsHttpHandler Handler(AgentOptions settings, X509Certificate2 own, RemoteCertificateValidationCallback isPeer) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(10),
        InitialHttp2StreamWindowSize = CheckpointPuller.RecommendedStreamWindowBytes,
        SslOptions = new SslClientAuthenticationOptions
        {
            TargetHost = settings.PeerIdentities[0],
            ClientCertificates = [own],
            RemoteCertificateValidationCallback = isPeer,
        },
    };
}
