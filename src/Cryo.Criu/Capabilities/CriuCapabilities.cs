namespace Cryo.Criu.Capabilities;

/// <summary>What CRIU and the kernel on this node can do, as <c>criu check</c> reports it.</summary>
public sealed class CriuCapabilities
{
    private readonly IReadOnlyDictionary<CriuFeature, CriuFeatureCheck> _features;

    /// <summary>Creates a capability set from check results.</summary>
    /// <param name="version">The CRIU release.</param>
    /// <param name="kernelRelease">The kernel release (<c>/proc/sys/kernel/osrelease</c>).</param>
    /// <param name="basicCheckPassed">Whether plain <c>criu check</c> passed (the features every dump and restore need).</param>
    /// <param name="basicCheckOutput">What plain <c>criu check</c> printed.</param>
    /// <param name="features">The result of each <c>--feature</c> check; features without one count as missing.</param>
    public CriuCapabilities(CriuVersion version, string kernelRelease, bool basicCheckPassed, string basicCheckOutput,
        IEnumerable<CriuFeatureCheck> features)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(features);
        Version = version;
        KernelRelease = kernelRelease;
        BasicCheckPassed = basicCheckPassed;
        BasicCheckOutput = basicCheckOutput;
        _features = features.ToDictionary(f => f.Feature);
    }

    /// <summary>The CRIU release.</summary>
    public CriuVersion Version { get; }

    /// <summary>The kernel release, e.g. <c>6.18.0</c>.</summary>
    public string KernelRelease { get; }

    /// <summary>Whether plain <c>criu check</c> passed.</summary>
    public bool BasicCheckPassed { get; }

    /// <summary>What plain <c>criu check</c> printed (<c>Looks good.</c> when it passed).</summary>
    public string BasicCheckOutput { get; }

    /// <summary>Whether <see cref="Version"/> is at least <see cref="CriuVersion.Minimum"/>.</summary>
    public bool MeetsMinimumVersion => Version >= CriuVersion.Minimum;

    /// <summary>Every feature check, in <see cref="CriuFeature"/> order.</summary>
    public IReadOnlyList<CriuFeatureCheck> Features => _features.Values.OrderBy(f => f.Feature).ToList();

    /// <summary><c>mem_dirty_track</c>: incremental checkpoints (pre-dump, <c>--track-mem</c>, <c>--prev-images-dir</c>).</summary>
    public bool MemoryDirtyTracking => IsSupported(CriuFeature.MemDirtyTrack);

    /// <summary><c>uffd</c>: userfaultfd.</summary>
    public bool Userfaultfd => IsSupported(CriuFeature.Uffd);

    /// <summary><c>uffd-noncoop</c>: lazy-pages restore.</summary>
    public bool LazyPages => IsSupported(CriuFeature.UffdNonCooperative);

    /// <summary><c>pidfd_store</c>.</summary>
    public bool PidfdStore => IsSupported(CriuFeature.PidfdStore);

    /// <summary><c>timens</c>: time namespaces.</summary>
    public bool TimeNamespace => IsSupported(CriuFeature.TimeNamespace);

    /// <summary><c>network_lock_nftables</c>: <c>--network-lock nftables</c>.</summary>
    public bool NetworkLockNftables => IsSupported(CriuFeature.NetworkLockNftables);

    /// <summary><c>cgroupns</c>: cgroup namespaces.</summary>
    public bool CgroupNamespace => IsSupported(CriuFeature.CgroupNamespace);

    /// <summary><c>clone3_set_tid</c>.</summary>
    public bool Clone3SetTid => IsSupported(CriuFeature.Clone3SetTid);

    /// <summary>Whether CRIU reported <paramref name="feature"/> as supported.</summary>
    public bool IsSupported(CriuFeature feature) => _features.TryGetValue(feature, out var check) && check.Supported;

    /// <summary>
    /// Why <paramref name="feature"/> is unavailable, in words an operator can act on, with CRIU's own output;
    /// <c>null</c> when it is supported.
    /// </summary>
    public string? WhyMissing(CriuFeature feature)
    {
        if (IsSupported(feature))
        {
            return null;
        }
        var consequence = CriuFeatureInfo.ConsequenceWhenMissing(feature);
        if (!_features.TryGetValue(feature, out var check))
        {
            return $"{consequence} (not checked)";
        }
        var output = string.Join(" ", check.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return output.Length == 0 ? consequence : $"{consequence} (criu check --feature {CriuFeatureInfo.CriuName(feature)}: {output})";
    }
}
