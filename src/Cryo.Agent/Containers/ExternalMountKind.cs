namespace Cryo.Agent.Containers;

/// <summary>Why a mount of the container has to be declared external to CRIU.</summary>
public enum ExternalMountKind
{
    /// <summary>A filesystem that is also mounted on the host: a bind mount of a volume, /etc/hosts, /dev/shm of the sandbox…</summary>
    FromHost,

    /// <summary>A cgroup or cgroup2 hierarchy: its contents are the host's cgroup tree.</summary>
    CgroupHierarchy,
}
