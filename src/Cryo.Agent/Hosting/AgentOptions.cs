namespace Cryo.Agent.Hosting;

/// <summary>
/// The agent's settings, section <c>Agent</c> (environment <c>Agent__SocketPath</c> etc., or command-line
/// switches, see <see cref="AgentCommandLine"/>). The image store's root is <c>Store:RootDirectory</c>.
/// </summary>
public sealed class AgentOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Agent";

    /// <summary>The default Unix socket, shared with the CLI's default.</summary>
    public const string DefaultSocketPath = "/run/cryo/agent.sock";

    /// <summary>containerd's CRI socket.</summary>
    public const string DefaultCriSocketPath = "/run/containerd/containerd.sock";

    /// <summary>Where <c>hack/install-criu.sh</c> puts CRIU.</summary>
    public const string BundledCriuPath = "/opt/cryo/criu/bin/criu";

    /// <summary>Debian's CRIU package.</summary>
    public const string SystemCriuPath = "/usr/sbin/criu";

    /// <summary>The Unix socket for local callers (mode 0600); empty disables it.</summary>
    public string SocketPath { get; set; } = DefaultSocketPath;

    /// <summary>TCP port of the mutual-TLS gRPC listener for the operator; unset disables it; 0 picks a free port.</summary>
    public int? TcpPort { get; set; }

    /// <summary>Address the TCP listeners bind to (default: all).</summary>
    public string? ListenAddress { get; set; }

    /// <summary>PEM certificate the TLS listener presents (required with <see cref="TcpPort"/>).</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertificatePath"/>.</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>PEM CA certificate client certificates must chain to (only this CA, not the system store).</summary>
    public string? ClientCaPath { get; set; }

    /// <summary>The client identity allowed when none is configured.</summary>
    public const string DefaultClientIdentity = "cryo-operator";

    /// <summary>
    /// Identities a client certificate may carry (a DNS SAN, or the subject CN when it has no DNS SAN);
    /// empty means <see cref="DefaultClientIdentity"/>. (Not defaulted in the list itself: configuration
    /// binding appends to a list, and a configured list must replace the default, not extend it.)
    /// </summary>
    public List<string> AllowedClientIdentities { get; set; } = [];

    /// <summary>
    /// Identities of the other nodes' agents (their certificate's DNS SAN, or CN without one): allowed to call
    /// <c>CheckpointTransfer</c> only, to pull checkpoints from this agent, never the agent's own API. Empty:
    /// no agent may pull from this one.
    /// </summary>
    public List<string> PeerIdentities { get; set; } = [];

    /// <summary>The identities in force.</summary>
    public IReadOnlyList<string> EffectiveClientIdentities =>
        AllowedClientIdentities.Count > 0 ? AllowedClientIdentities : [DefaultClientIdentity];

    /// <summary>Plain-HTTP port for /healthz, /readyz and /metrics only (no gRPC); unset disables it.</summary>
    public int? HttpPort { get; set; }

    /// <summary>The CRIU binary (never one from PATH).</summary>
    public string CriuPath { get; set; } = File.Exists(BundledCriuPath) ? BundledCriuPath : SystemCriuPath;

    /// <summary>How many checkpoints and restores run at once; more wait in arrival order.</summary>
    public int MaxParallelOperations { get; set; } = 2;

    /// <summary>This node's name (default: the NODE_NAME environment variable, else the host name).</summary>
    public string NodeName { get; set; } = Environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 } node ? node : Environment.MachineName;

    /// <summary>Timeout of an operation whose request gives none.</summary>
    public int DefaultTimeoutSeconds { get; set; } = 600;

    /// <summary>Largest timeout a request may ask for.</summary>
    public int MaxTimeoutSeconds { get; set; } = 3600;

    /// <summary>
    /// The node's CRI socket (the kubelet's container runtime endpoint), through which the restore preflight asks whether a
    /// checkpoint's image is on this node (<c>ImageService.ImageStatus</c>). containerd's by default (the chart mounts
    /// <c>/run/containerd</c>); CRI-O's is <c>/run/crio/crio.sock</c>. Absent, the image is reported as not checked.
    /// </summary>
    public string CriSocketPath { get; set; } = DefaultCriSocketPath;

    /// <summary>How long a successful result is kept for calls repeating its operation ID.</summary>
    public int ResultRetentionMinutes { get; set; } = 60;

    /// <summary>Refuse to start with a CRIU older than <c>CriuVersion.Minimum</c> (turned off only by tests without CRIU).</summary>
    public bool RequireCriuAtStart { get; set; } = true;
}
