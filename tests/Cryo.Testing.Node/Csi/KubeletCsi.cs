using System.Security.Cryptography;
using System.Text;
using Cryo.Contracts;
using Cryo.Contracts.Csi.V1;
using CsiNode = Cryo.Contracts.Csi.V1.Node;
using Cryo.Contracts.PluginRegistration.V1;
using Grpc.Net.Client;

namespace Cryo.Testing.Node.Csi;

/// <summary>
/// The kubelet's side of CSI, as its plugin watcher and csi volume plugin do it: register a driver from its
/// registration socket (GetInfo, then the driver's NodeGetInfo, then NotifyRegistrationStatus), and publish and
/// unpublish ephemeral inline volumes with the volume ID and target path the kubelet would use.
/// </summary>
public sealed class KubeletCsi : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, (GrpcChannel Channel, CsiNode.NodeClient Node)> _drivers = new(StringComparer.Ordinal);
    private readonly List<GrpcChannel> _channels = [];

    /// <summary>The node ID each registered driver reported.</summary>
    public Dictionary<string, string> NodeIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Registers the plugin behind <paramref name="registrationSocket"/>, as the kubelet's plugin watcher does; returns its info.</summary>
    public async Task<PluginInfo> RegisterAsync(string registrationSocket, CancellationToken cancellationToken)
    {
        var channel = Track(UnixSocketChannel.Create(registrationSocket));
        var registration = new Registration.RegistrationClient(channel);
        var info = await registration.GetInfoAsync(new InfoRequest(), deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellationToken);
        string? error = null;
        if (info.Type != "CSIPlugin")
        {
            error = $"plugin type {info.Type} is not CSIPlugin";
        }
        else if (!info.SupportedVersions.Any(v => v.StartsWith("1.", StringComparison.Ordinal) || v == "1"))
        {
            error = $"no supported CSI version in [{string.Join(",", info.SupportedVersions)}]";
        }
        else
        {
            var csi = Track(UnixSocketChannel.Create(info.Endpoint));
            var node = new CsiNode.NodeClient(csi);
            var nodeInfo = await node.NodeGetInfoAsync(new NodeGetInfoRequest(), deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellationToken);
            NodeIds[info.Name] = nodeInfo.NodeId;
            _drivers[info.Name] = (csi, node);
        }

        await registration.NotifyRegistrationStatusAsync(new RegistrationStatus { PluginRegistered = error is null, Error = error ?? "" },
            deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellationToken);
        return error is null ? info : throw new InvalidOperationException($"plugin at {registrationSocket} not registered: {error}");
    }

    /// <summary>The Node client of a registered driver; null when none of that name is registered.</summary>
    public CsiNode.NodeClient? Driver(string name) => _drivers.TryGetValue(name, out var driver) ? driver.Node : null;

    /// <summary>The volume ID the kubelet gives an ephemeral inline volume: "csi-" and the SHA-256 of the pod UID and volume name.</summary>
    public static string EphemeralVolumeId(string podUid, string volumeName) =>
        "csi-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(podUid + volumeName)));

    /// <summary>The kubelet's target path of a pod's csi volume.</summary>
    public static string TargetPath(string podDirectory, string volumeName) =>
        Path.Combine(podDirectory, "volumes", "kubernetes.io~csi", volumeName, "mount");

    /// <summary>The NodePublishVolume request the kubelet sends for an ephemeral inline volume.</summary>
    public static NodePublishVolumeRequest EphemeralPublish(string volumeId, string targetPath, bool readOnly, IDictionary<string, string>? attributes, string? fsType = null)
    {
        var request = new NodePublishVolumeRequest
        {
            VolumeId = volumeId,
            TargetPath = targetPath,
            Readonly = readOnly,
            VolumeCapability = new VolumeCapability
            {
                Mount = new VolumeCapability.Types.MountVolume { FsType = fsType ?? "" },
                AccessMode = new VolumeCapability.Types.AccessMode { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter },
            },
        };
        request.VolumeContext.Add(attributes ?? new Dictionary<string, string>());
        return request;
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    private GrpcChannel Track(GrpcChannel channel)
    {
        _channels.Add(channel);
        return channel;
    }
}
