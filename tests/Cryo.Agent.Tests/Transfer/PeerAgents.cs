using Cryo.Contracts.Agent.V1;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;

namespace Cryo.Agent.Tests.Transfer;

/// <summary>
/// Real agents standing in for nodes: the shared <see cref="InProcessAgent"/> over the real engines and store of a
/// <see cref="TestEngines"/>, with its mutual-TLS listener on a free loopback port and the agents' own certificate
/// accepted from peers. Stopped on dispose (the engines are the caller's).
/// </summary>
public static class PeerAgents
{
    /// <summary>Starts the agent; <paramref name="store"/> replaces the engines' store (a restarted agent opens its store anew).</summary>
    public static Task<InProcessAgent> StartAsync(TestEngines engines, TestPki pki, string nodeName, Action<Dictionary<string, string?>>? configure = null, ImageStore? store = null) =>
        InProcessAgent.StartAsync(
            InProcessAgent.WithTls(pki, settings =>
            {
                settings["Agent:CriuPath"] = TestEngines.CriuPath;
                settings["Agent:NodeName"] = nodeName;
                settings["Agent:PeerIdentities:0"] = "localhost";
                settings["Store:RootDirectory"] = engines.StoreRoot;
                configure?.Invoke(settings);
            }),
            services =>
            {
                services.AddSingleton<ICheckpointEngine>(engines.Checkpoints);
                services.AddSingleton<IRestoreEngine>(engines.Restores);
                services.AddSingleton(store ?? engines.Store);
                services.AddSingleton(engines.Criu);
            },
            CancellationToken.None);

    /// <summary>
    /// A transfer client on the agent's TLS port (or <paramref name="port"/>, a proxy's), presenting the PKI's client
    /// certificate and trusting only its CA: what another agent pulling from this one uses.
    /// </summary>
    public static CheckpointTransfer.CheckpointTransferClient TransferClient(this InProcessAgent agent, TestPki pki, int? port = null) =>
        new(agent.TlsChannel(pki.Ca, pki.Operator, port));

    /// <summary>
    /// A connection as another agent's pull opens it (<see cref="Cryo.Agent.Transfer.PeerConnections"/>): the transfer
    /// client and the HTTP/1.1 client of the bytes endpoint, presenting <paramref name="client"/> (the PKI's client
    /// certificate unless given), on <paramref name="port"/> (the agent's TLS port unless a proxy's).
    /// </summary>
    public static Cryo.Agent.Transfer.PeerConnection Connection(this InProcessAgent agent, TestPki pki, X509Certificate2? client = null, int? port = null) =>
        new(new CheckpointTransfer.CheckpointTransferClient(agent.TlsChannel(pki.Ca, client ?? pki.Operator, port)), agent.BytesClient(pki, client ?? pki.Operator, port));

    /// <summary>An HTTP client of the agent's TLS listener (or a proxy's port) presenting <paramref name="client"/>, trusting only the PKI's CA.</summary>
    public static HttpClient BytesClient(this InProcessAgent agent, TestPki pki, X509Certificate2 client, int? port = null) =>
        agent.TlsHttpClient(pki.Ca, client, port);
}
