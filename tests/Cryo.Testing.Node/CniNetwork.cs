using System.Globalization;
using System.Text.Json;

namespace Cryo.Testing.Node;

/// <summary>
/// The pod network: a Linux bridge of this run's own with a private /24 (<c>10.237.N.0/24</c>), and a CNI
/// configuration list using the standard <c>bridge</c> (host-local IPAM) and <c>loopback</c> plugins, so every
/// sandbox gets a real network namespace with an address, a default route and <c>lo</c> up. The host holds the
/// gateway address on the bridge itself, so pods are reachable from the host without turning on IP forwarding
/// or touching iptables (neither is needed, and this host has no iptables).
/// </summary>
public sealed class CniNetwork
{
    private const string BridgePrefix = "cryo-br-";
    private const string LockPath = "/run/lock/cryo-node-network.lock";

    private CniNetwork(int index, string confDirectory)
    {
        Index = index;
        ConfDirectory = confDirectory;
    }

    /// <summary>Which /24 of 10.237.0.0/16 this run uses.</summary>
    public int Index { get; }

    /// <summary>The bridge device on the host.</summary>
    public string Bridge => BridgePrefix + Index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The pod subnet.</summary>
    public string Subnet => $"10.237.{Index}.0/24";

    /// <summary>The host's address on the bridge, the pods' gateway.</summary>
    public string Gateway => $"10.237.{Index}.1";

    /// <summary>The CNI configuration directory containerd reads.</summary>
    public string ConfDirectory { get; }

    /// <summary>
    /// Picks a /24 no other run uses (under a lock, so two runs starting together do not pick the same one),
    /// creates its bridge and writes the configuration into <paramref name="directory"/>/net.d.
    /// </summary>
    public static async Task<CniNetwork> CreateAsync(string directory, CancellationToken cancellationToken)
    {
        var conf = Path.Combine(directory, "net.d");
        Directory.CreateDirectory(conf);
        using var guard = await LockAsync(cancellationToken);
        var index = Enumerable.Range(0, 250).FirstOrDefault(i => !Directory.Exists($"/sys/class/net/{BridgePrefix}{i}"), -1);
        if (index < 0)
        {
            throw new NodeSetupException($"no free pod subnet: every {BridgePrefix}0…249 bridge exists (leftovers of killed runs? delete them with ip link del)");
        }

        var network = new CniNetwork(index, conf);
        await File.WriteAllTextAsync(Path.Combine(directory, "bridge"), network.Bridge, cancellationToken);
        await HostCommand.RunAsync("ip", ["link", "add", "name", network.Bridge, "type", "bridge"], cancellationToken);
        await HostCommand.RunAsync("ip", ["addr", "add", network.Gateway + "/24", "dev", network.Bridge], cancellationToken);
        await HostCommand.RunAsync("ip", ["link", "set", network.Bridge, "up"], cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(conf, "10-cryo.conflist"), network.ConfigurationList(Path.Combine(directory, "ipam")), cancellationToken);
        return network;
    }

    /// <summary>Deletes a bridge (this run's at the end, or a dead run's); a missing one is fine.</summary>
    public static async Task DeleteBridgeAsync(string bridge, CancellationToken cancellationToken)
    {
        if (bridge.StartsWith(BridgePrefix, StringComparison.Ordinal) && Directory.Exists($"/sys/class/net/{bridge}"))
        {
            await HostCommand.RunAsync("ip", ["link", "del", bridge], cancellationToken);
        }
    }

    private string ConfigurationList(string ipamDirectory) => JsonSerializer.Serialize(new
    {
        cniVersion = "1.0.0",
        name = "cryo-node-" + Index.ToString(CultureInfo.InvariantCulture),
        plugins = new object[]
        {
            new
            {
                type = "bridge",
                bridge = Bridge,
                isGateway = false,
                ipMasq = false,
                ipam = new
                {
                    type = "host-local",
                    dataDir = ipamDirectory,
                    ranges = new[] { new[] { new { subnet = Subnet, gateway = Gateway } } },
                    routes = new[] { new { dst = "0.0.0.0/0", gw = Gateway } },
                },
            },
            new { type = "loopback" },
        },
    });

    private static async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LockPath)!);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // FileShare.None takes an exclusive flock(2) on Linux.
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 200)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}
