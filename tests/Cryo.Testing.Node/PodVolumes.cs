using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cryo.Testing.Node;

/// <summary>
/// A pod's volumes as the kubelet's volume manager sets them up before the sandbox starts, under the pod's directory
/// (<c>&lt;kubelet&gt;/pods/&lt;uid&gt;/volumes/&lt;plugin&gt;/&lt;name&gt;</c>): emptyDir a plain directory (a tmpfs with
/// <c>medium: Memory</c>), hostPath the host's path (created for the *OrCreate types), projected ServiceAccount
/// volumes a tmpfs filled the way the kubelet's atomic writer does (<c>..&lt;timestamp&gt;/</c>, <c>..data</c>, symlinks),
/// CSI ephemeral inline volumes by the registered driver's NodePublishVolume at the kubelet's target path
/// (<c>kubernetes.io~csi/&lt;name&gt;/mount</c>), unpublished by <see cref="TearDownAsync"/>.
/// Everything else mounted here is unmounted when the pod's directory is removed.
/// </summary>
public sealed class PodVolumes
{
    private readonly Dictionary<string, (string HostPath, bool ReadOnly)> _volumes;
    private readonly List<(string Driver, string VolumeId, string TargetPath)> _published;

    private PodVolumes(Dictionary<string, (string, bool)> volumes, List<(string, string, string)> published)
    {
        _volumes = volumes;
        _published = published;
    }

    /// <summary>Volume name → host path.</summary>
    public IReadOnlyDictionary<string, string> HostPaths => _volumes.ToDictionary(v => v.Key, v => v.Value.HostPath, StringComparer.Ordinal);

    /// <summary>Sets up every volume of the pod.</summary>
    public static async Task<PodVolumes> SetUpAsync(PodPlan plan, string podDirectory, DownwardApi.Context context, string caCertificatePem,
        Csi.KubeletCsi csi, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(csi);
        var volumes = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        var published = new List<(string, string, string)>();
        foreach (var volume in plan.Pod.Spec.Volumes ?? [])
        {
            if (volume.Csi is { } source)
            {
                var driver = csi.Driver(source.Driver)
                    ?? throw new NodeSetupException($"pod {plan.FullName}: volume '{volume.Name}': driver name {source.Driver} not found in the list of registered CSI drivers");
                var target = Csi.KubeletCsi.TargetPath(podDirectory, volume.Name);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var volumeId = Csi.KubeletCsi.EphemeralVolumeId(plan.Uid, volume.Name);
                var readOnly = source.ReadOnlyProperty == true;
                try
                {
                    await driver.NodePublishVolumeAsync(Csi.KubeletCsi.EphemeralPublish(volumeId, target, readOnly, source.VolumeAttributes, source.FsType),
                        deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
                }
                catch (global::Grpc.Core.RpcException e)
                {
                    throw new NodeSetupException($"pod {plan.FullName}: MountVolume.SetUp failed for volume \"{volume.Name}\": rpc error: code = {e.StatusCode} desc = {e.Status.Detail}");
                }

                published.Add((source.Driver, volumeId, target));
                volumes[volume.Name] = (target, readOnly);
            }
            else if (volume.EmptyDir is { } emptyDir)
            {
                var path = VolumeDirectory(podDirectory, "kubernetes.io~empty-dir", volume.Name);
                // The kubelet makes emptyDirs world-writable (0777) so any container user can use them.
                File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("777", 8));
                if (emptyDir.Medium == "Memory")
                {
                    var size = emptyDir.SizeLimit is { } limit ? $",size={(long)limit.ToDecimal()}" : "";
                    await HostCommand.RunAsync("mount", ["-t", "tmpfs", "-o", "mode=0777" + size, "tmpfs", path], cancellationToken);
                }

                volumes[volume.Name] = (path, false);
            }
            else if (volume.HostPath is { } hostPath)
            {
                volumes[volume.Name] = (PrepareHostPath(plan, volume.Name, hostPath), false);
            }
            else if (volume.Projected is { } projected)
            {
                var path = VolumeDirectory(podDirectory, "kubernetes.io~projected", volume.Name);
                await HostCommand.RunAsync("mount", ["-t", "tmpfs", "tmpfs", path], cancellationToken);
                var files = ProjectedFiles(projected, context, caCertificatePem);
                await AtomicWriteAsync(path, files, projected.DefaultMode ?? Convert.ToInt32("644", 8), cancellationToken);
                // Projected (like secret and configMap) volumes are always mounted read-only into containers.
                volumes[volume.Name] = (path, true);
            }
        }

        return new PodVolumes(volumes, published);
    }

    /// <summary>Unpublishes the pod's CSI volumes, as the kubelet does once its containers are gone.</summary>
    public async Task TearDownAsync(Csi.KubeletCsi csi, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csi);
        foreach (var (name, volumeId, target) in _published)
        {
            var driver = csi.Driver(name) ?? throw new NodeSetupException($"CSI driver {name} is gone: volume {volumeId} at {target} cannot be unpublished");
            try
            {
                await driver.NodeUnpublishVolumeAsync(new Cryo.Contracts.Csi.V1.NodeUnpublishVolumeRequest { VolumeId = volumeId, TargetPath = target },
                    deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
            }
            catch (global::Grpc.Core.RpcException e)
            {
                throw new NodeSetupException($"UnmountVolume.TearDown failed for volume {volumeId} at {target}: {e.StatusCode}: {e.Status.Detail}");
            }
        }
    }

    /// <summary>The container's volume mounts as the kubelet's <c>makeMounts</c> lists them, in the order of its volumeMounts.</summary>
    public IReadOnlyList<Mount> MountsFor(V1Container container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return (container.VolumeMounts ?? []).Select(m => new Mount
        {
            ContainerPath = m.MountPath,
            HostPath = _volumes[m.Name].HostPath,
            Readonly = m.ReadOnlyProperty == true || _volumes[m.Name].ReadOnly,
            Propagation = m.MountPropagation switch
            {
                "HostToContainer" => MountPropagation.PropagationHostToContainer,
                "Bidirectional" => MountPropagation.PropagationBidirectional,
                _ => MountPropagation.PropagationPrivate,
            },
        }).ToArray();
    }

    private static string VolumeDirectory(string podDirectory, string plugin, string name)
    {
        var path = Path.Combine(podDirectory, "volumes", plugin, name);
        Directory.CreateDirectory(path);
        return path;
    }

    private static string PrepareHostPath(PodPlan plan, string name, V1HostPathVolumeSource source)
    {
        var path = source.Path;
        if (!Path.IsPathRooted(path))
        {
            throw new ArgumentException($"pod {plan.FullName}: hostPath volume '{name}' path '{path}' is not absolute");
        }

        switch (source.Type ?? "")
        {
            case "":
                break;
            case "DirectoryOrCreate":
                if (!Directory.Exists(path))
                {
                    Directory.CreateDirectory(path);
                    File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
                }

                break;
            case "FileOrCreate":
                if (!File.Exists(path))
                {
                    File.WriteAllBytes(path, []);
                    File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));
                }

                break;
            case "Directory" when Directory.Exists(path):
            case "File" when File.Exists(path):
            case "Socket" or "CharDevice" or "BlockDevice" when File.Exists(path):
                break;
            default:
                throw new NodeSetupException($"pod {plan.FullName}: hostPath volume '{name}': {path} is not a {source.Type} (the kubelet refuses to start the pod)");
        }

        return path;
    }

    private static Dictionary<string, byte[]> ProjectedFiles(V1ProjectedVolumeSource projected, DownwardApi.Context context, string caCertificatePem)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var source in projected.Sources ?? [])
        {
            if (source.ServiceAccountToken is { } token)
            {
                files[token.Path] = Encoding.ASCII.GetBytes(FakeToken(context, token.Audience));
            }
            else if (source.ConfigMap is { } configMap)
            {
                foreach (var item in configMap.Items ?? [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }])
                {
                    files[item.Path] = Encoding.ASCII.GetBytes(caCertificatePem);
                }
            }
            else if (source.DownwardAPI is { } downward)
            {
                foreach (var item in downward.Items ?? [])
                {
                    files[item.Path] = Encoding.UTF8.GetBytes(DownwardApi.Value(item.FieldRef.FieldPath, context));
                }
            }
        }

        return files;
    }

    // A JWT-shaped bound token with the claims the API server puts in one; nothing verifies its signature here.
    private static string FakeToken(DownwardApi.Context context, string? audience)
    {
        var plan = context.Plan;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Part(object value) => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var claims = new Dictionary<string, object>
        {
            ["aud"] = new[] { audience ?? "https://kubernetes.default.svc.cluster.local" },
            ["exp"] = now + 3607,
            ["iat"] = now,
            ["iss"] = "https://kubernetes.default.svc.cluster.local",
            ["sub"] = $"system:serviceaccount:{plan.Namespace}:{plan.Pod.Spec.ServiceAccountName}",
            ["kubernetes.io"] = new Dictionary<string, object>
            {
                ["namespace"] = plan.Namespace,
                ["node"] = new { name = context.NodeName },
                ["pod"] = new { name = plan.Name, uid = plan.Uid },
                ["serviceaccount"] = new { name = plan.Pod.Spec.ServiceAccountName },
            },
        };
        return $"{Part(new { alg = "RS256", kid = "cryo-node-harness" })}.{Part(claims)}.{Part("not-signed")}";
    }

    // The kubelet's AtomicWriter layout: files in a timestamped directory, ..data pointing at it, and one symlink
    // per top-level name through ..data, so an update can swap everything with one rename.
    private static async Task AtomicWriteAsync(string target, Dictionary<string, byte[]> files, int mode, CancellationToken cancellationToken)
    {
        var stamp = DateTime.UtcNow.ToString("..yyyy_MM_dd_HH_mm_ss.", CultureInfo.InvariantCulture) + Random.Shared.Next(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
        var data = Path.Combine(target, stamp);
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, (UnixFileMode)Convert.ToInt32("755", 8));
        foreach (var (relative, bytes) in files)
        {
            var path = Path.Combine(data, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes, cancellationToken);
            File.SetUnixFileMode(path, (UnixFileMode)mode);
        }

        File.CreateSymbolicLink(Path.Combine(target, "..data"), stamp);
        foreach (var top in files.Keys.Select(k => k.Split('/')[0]).Distinct(StringComparer.Ordinal))
        {
            File.CreateSymbolicLink(Path.Combine(target, top), Path.Combine("..data", top));
        }
    }
}
