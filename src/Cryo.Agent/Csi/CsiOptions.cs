namespace Cryo.Agent.Csi;

/// <summary>
/// The agent's CSI node plugin, section <c>Csi</c> (environment <c>Csi__Enabled</c> etc.): a driver serving CSI
/// ephemeral inline volumes that carry the placeholder program into restore pods, so those pods need no init
/// container. The paths are the kubelet's, and the agent must see them at the same paths as the host (the kubelet
/// hands it host paths); the pods directory must be mounted with Bidirectional propagation so the agent's bind
/// mounts reach the host.
/// </summary>
public sealed class CsiOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Csi";

    /// <summary>The driver's default name; the CSIDriver object and the operator's restore pods use the same.</summary>
    public const string DefaultDriverName = "placeholder.cryo.io";

    /// <summary>Serve the driver (off unless set: an agent outside a kubelet's node has no one to serve).</summary>
    public bool Enabled { get; set; }

    /// <summary>The driver's name (a DNS name of at most 63 characters).</summary>
    public string DriverName { get; set; } = DefaultDriverName;

    /// <summary>The CSI socket the kubelet calls (reported to it through registration).</summary>
    public string SocketPath { get; set; } = $"/var/lib/kubelet/plugins/{DefaultDriverName}/csi.sock";

    /// <summary>The registration socket, in the directory the kubelet's plugin watcher watches.</summary>
    public string RegistrationSocketPath { get; set; } = $"/var/lib/kubelet/plugins_registry/{DefaultDriverName}-reg.sock";

    /// <summary>
    /// Where the agent publishes the placeholder program (one read-only directory per build, bind-mounted into each
    /// volume). A host directory, so volumes outlive the agent's container.
    /// </summary>
    public string PublishDirectory { get; set; } = $"/var/lib/kubelet/plugins/{DefaultDriverName}/published";

    /// <summary>The placeholder program to publish (the agent image's).</summary>
    public string PlaceholderProgram { get; set; } = "/usr/local/bin/cryo-placeholder";
}
