using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Capabilities;

namespace Cryo.Agent.Preflight;

/// <summary>What restoring a checkpoint needs of a node.</summary>
/// <param name="CriuVersion">The CRIU that dumped it (the restoring one must be at least as new); empty when unknown.</param>
/// <param name="KernelRelease">The kernel it was taken on (the restoring one must be at least as new, major.minor); empty when unknown.</param>
/// <param name="Features">CRIU features the restore needs, by their capability names.</param>
/// <param name="Cpuinfo">The source CPU as CRIU describes it; empty when not recorded.</param>
/// <param name="SourceNode">The node it comes from, for messages.</param>
public sealed record RestoreRequirements(string CriuVersion, string KernelRelease, IReadOnlyList<string> Features, ReadOnlyMemory<byte> Cpuinfo, string SourceNode)
{
    /// <summary>The container image the workload runs, which the restore's placeholder starts from; empty when unknown.</summary>
    public string Image { get; init; } = string.Empty;

    /// <summary>The restored container's imagePullPolicy; empty for the kubelet's default (which pulls a missing image).</summary>
    public string ImagePullPolicy { get; init; } = string.Empty;

    /// <summary>A committed checkpoint's requirements, read from its manifest.</summary>
    public static RestoreRequirements Of(CheckpointManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var features = new List<string>();
        // A time namespace in the images is recreated at restore.
        if (manifest.Files.Any(f => Path.GetFileName(f.Path).StartsWith("timens-", StringComparison.Ordinal)))
        {
            features.Add(CriuFeatureInfo.CriuName(CriuFeature.TimeNamespace));
        }

        // Established connections are restored behind CRIU's network lock (nftables: no iptables on these nodes).
        if (manifest.Options.TcpEstablished)
        {
            features.Add(CriuFeatureInfo.CriuName(CriuFeature.NetworkLockNftables));
        }

        var cpuinfo = ManifestExtraKeys.Read(manifest.Extra, ManifestExtraKeys.CriuCpuinfo);
        return new RestoreRequirements(manifest.Criu.Version, manifest.Criu.KernelRelease, features,
            cpuinfo.Length > 0 ? Convert.FromBase64String(cpuinfo) : ReadOnlyMemory<byte>.Empty, ManifestExtraKeys.Read(manifest.Extra, ManifestExtraKeys.NodeName))
        {
            Image = ManifestExtraKeys.Read(manifest.Extra, ManifestExtraKeys.Image),
        };
    }
}
