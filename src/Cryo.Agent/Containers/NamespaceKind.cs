namespace Cryo.Agent.Containers;

/// <summary>The Linux namespaces a process belongs to, as listed under <c>/proc/PID/ns</c>.</summary>
public enum NamespaceKind
{
    /// <summary>PID namespace (<c>ns/pid</c>): the one the process itself lives in.</summary>
    Pid,

    /// <summary>Mount namespace (<c>ns/mnt</c>).</summary>
    Mnt,

    /// <summary>Network namespace (<c>ns/net</c>).</summary>
    Net,

    /// <summary>UTS namespace (<c>ns/uts</c>): hostname and domain name.</summary>
    Uts,

    /// <summary>System V IPC and POSIX message queue namespace (<c>ns/ipc</c>).</summary>
    Ipc,

    /// <summary>Cgroup namespace (<c>ns/cgroup</c>).</summary>
    Cgroup,

    /// <summary>User namespace (<c>ns/user</c>).</summary>
    User,

    /// <summary>Time namespace (<c>ns/time</c>).</summary>
    Time,
}
