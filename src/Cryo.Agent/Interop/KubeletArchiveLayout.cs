namespace Cryo.Agent.Interop;

/// <summary>
/// The entries of a container checkpoint archive as the kubelet's <c>/checkpoint</c> endpoint has CRI-O or
/// containerd write it (the layout Podman introduced and <c>checkpointctl</c> reads): CRIU's images under
/// <c>checkpoint/</c>, the container's metadata in <c>config.dump</c> and its OCI runtime spec in <c>spec.dump</c>,
/// the writable layer's changed files in <c>rootfs-diff.tar</c> and the paths it deleted in <c>deleted.files</c>.
/// </summary>
public static class KubeletArchiveLayout
{
    /// <summary>The directory of CRIU's images.</summary>
    public const string CheckpointDirectory = "checkpoint";

    /// <summary>The container's metadata (JSON, <see cref="ContainerConfigDump"/>).</summary>
    public const string ConfigDump = "config.dump";

    /// <summary>The container's OCI runtime spec (JSON, <see cref="RuntimeSpecDump"/>).</summary>
    public const string SpecDump = "spec.dump";

    /// <summary>The files the container added or changed in its root filesystem (a tar, paths relative to the root).</summary>
    public const string RootfsDiff = "rootfs-diff.tar";

    /// <summary>The paths the container deleted from its image (a JSON list of absolute paths).</summary>
    public const string DeletedFiles = "deleted.files";

    /// <summary>The contents of the container's <c>/dev/shm</c> (a tar), when it had its own.</summary>
    public const string DevShm = "devshm-checkpoint.tar";

    /// <summary>CRIU's log of the dump.</summary>
    public const string DumpLog = "dump.log";

    /// <summary>CRIU's statistics of the dump.</summary>
    public const string StatsDump = "stats-dump";

    /// <summary>
    /// runc's record of the root's standard input, output and error (a JSON list such as
    /// <c>["/dev/null","pipe:[1234]","pipe:[1235]"]</c>), inside <see cref="CheckpointDirectory"/>: what a restore
    /// reconnects with <c>--inherit-fd</c>.
    /// </summary>
    public const string Descriptors = "descriptors.json";

    /// <summary>
    /// Cryo's own manifest, an addition to the layout that the runtimes and checkpointctl ignore: what the images
    /// alone do not say (external mount keys, standard output's identity, the dump's options, the process tree's
    /// command lines). Cryo's import prefers it when present.
    /// </summary>
    public const string CryoManifest = "cryo-manifest.json";

    /// <summary>Entries the layout may hold that Cryo neither needs nor writes (CRI-O, containerd, Podman).</summary>
    public static readonly IReadOnlySet<string> IgnoredEntries = new HashSet<string>(StringComparer.Ordinal)
    {
        "network.status", "bind.mounts", "status", "pod.options", "pod.dump", "restore.log", "stats-restore",
    };
}
