namespace Cryo.Agent.Store.Manifest;

/// <summary>The options a checkpoint was dumped with.</summary>
public sealed class ManifestOptions
{
    /// <summary>The tree was left running after the dump.</summary>
    public bool LeaveRunning { get; set; }

    /// <summary>Established TCP connections were dumped (<c>--tcp-established</c>).</summary>
    public bool TcpEstablished { get; set; }

    /// <summary>File locks were dumped (<c>--file-locks</c>).</summary>
    public bool FileLocks { get; set; }

    /// <summary>Dumped as a shell job (<c>--shell-job</c>); restore must pass it too.</summary>
    public bool ShellJob { get; set; }

    /// <summary>
    /// The caller opted out of the container's writable layer (<c>skip_root_filesystem</c>); what that
    /// skipped, if anything, is in <see cref="ManifestFilesystem.WritableLayerSkipped"/>.
    /// </summary>
    public bool SkipRootFilesystem { get; set; }

    /// <summary>
    /// The tree's cgroup v1 freezer was FROZEN when CRIU dumped it: the engine stops every tree that has a
    /// freezer before CRIU starts (or finds it paused). CRIU records that state and, in a freezer cgroup it
    /// creates itself, sets it again before it lets go of the restored tasks, so such a copy comes back
    /// frozen. False in manifests written before the field existed.
    /// </summary>
    public bool FrozenBeforeDump { get; set; }

    /// <summary>
    /// How the page images are compressed at rest (<c>zstd</c>), or null when they are stored as CRIU wrote them. Each
    /// compressed file's entry says so too (<see cref="ManifestFile.Compression"/>): that is what a restore goes by.
    /// </summary>
    public string? Compression { get; set; }

    /// <summary>The <c>--external</c> values passed to the dump.</summary>
    public List<string> Externals { get; set; } = [];
}
