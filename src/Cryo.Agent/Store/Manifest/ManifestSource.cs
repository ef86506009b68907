namespace Cryo.Agent.Store.Manifest;

/// <summary>The process tree a checkpoint was taken from, as the agent resolved it.</summary>
public sealed class ManifestSource
{
    /// <summary>What kind of tree this was.</summary>
    public CheckpointSourceKind Kind { get; set; }

    /// <summary>Host PID of the tree's root.</summary>
    public int HostPid { get; set; }

    /// <summary>PID of the tree's root inside its own PID namespace.</summary>
    public int InNamespacePid { get; set; }

    /// <summary>Container ID (containerd/CRI-O), when the tree was a container.</summary>
    public string? ContainerId { get; set; }

    /// <summary>Namespace identities of the root, keyed by type (<c>net</c> → <c>net:[4026531993]</c>).</summary>
    public Dictionary<string, string> Namespaces { get; set; } = [];

    /// <summary>The root's cgroups, one per hierarchy (<c>/proc/PID/cgroup</c>).</summary>
    public List<ManifestCgroup> Cgroups { get; set; } = [];

    /// <summary>The root's mounts (<c>/proc/PID/mountinfo</c>).</summary>
    public List<ManifestMount> Mounts { get; set; } = [];

    /// <summary>Mounts declared external to CRIU: key given to <c>--external mnt[…]:KEY</c> → mount point.</summary>
    public Dictionary<string, string> ExternalMounts { get; set; } = [];

    /// <summary>
    /// Host paths the external mounts came from (key → host path), so a restore without a target
    /// container can bind the same sources back.
    /// </summary>
    public Dictionary<string, string> ExternalSources { get; set; } = [];

    /// <summary>
    /// Keys of external mounts that were bind mounts of <c>/dev/null</c>: runc's masked paths (<c>/proc/kcore</c>,
    /// <c>/proc/keys</c>…), which runc's dumps all declare under the key <c>/dev/null</c>. A restore binds
    /// <c>/dev/null</c> there, as runc's restore does, whatever the target container has at those places.
    /// </summary>
    public List<string> DevNullMountKeys { get; set; } = [];

    /// <summary>
    /// The key under which the dump declared the tree's network namespace external (<c>--external net[INODE]:KEY</c>,
    /// runc's <c>extRootNetNS</c>), when CRIU did not run inside it: a restore hands CRIU the target's network
    /// namespace under this key. <see langword="null"/> for Cryo's dumps, which leave the namespace out of the images.
    /// </summary>
    public string? ExternalNetworkNamespaceKey { get; set; }

    /// <summary>Host path of the tree's root filesystem when it had its own mount namespace.</summary>
    public string? RootPath { get; set; }

    /// <summary>
    /// Namespaces the tree did not share with the agent (<c>net</c>, <c>uts</c>, <c>ipc</c>, …). Net,
    /// UTS and IPC are left out of the images (CRIU runs inside them), so a restore without a target
    /// container has to give the tree fresh ones of exactly these kinds.
    /// </summary>
    public List<string> OwnNamespaces { get; set; } = [];

    /// <summary>Host name inside the tree's UTS namespace.</summary>
    public string? Hostname { get; set; }

    /// <summary>Every process of the tree.</summary>
    public List<ManifestProcess> Processes { get; set; } = [];

    /// <summary>Identity of the root's standard output (e.g. <c>pipe:[123]</c>), so restore can reconnect it.</summary>
    public string? StdoutIdentity { get; set; }

    /// <summary>Identity of the root's standard error.</summary>
    public string? StderrIdentity { get; set; }

    /// <summary>
    /// CRIU's name of the root's terminal (<c>tty[RDEV:DEV]</c>) when its standard input was one: a restore
    /// hands CRIU a new terminal under this name.
    /// </summary>
    public string? TerminalKey { get; set; }

    /// <summary>Whether the tree had a controlling terminal (dumped and restored as a shell job).</summary>
    public bool HasControllingTerminal { get; set; }
}
