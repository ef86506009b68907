using System.Globalization;

namespace Cryo.Agent.Containers;

/// <summary>
/// Builds the command prefixes that run CRIU inside another process's namespaces. nsenter and unshare
/// (util-linux) do the switching: a .NET process has many threads, and mount and PID namespaces cannot
/// be changed by a multithreaded process, so the switch must happen in a child before CRIU starts.
/// </summary>
public static class NamespaceEntry
{
    /// <summary>The network, UTS and IPC namespaces, which belong to the pod's sandbox in Kubernetes.</summary>
    public static readonly IReadOnlyList<NamespaceKind> SandboxKinds = [NamespaceKind.Net, NamespaceKind.Uts, NamespaceKind.Ipc];

    /// <summary>
    /// <c>nsenter -t PID --net --uts --ipc --</c> for the kinds the tree does not share with the agent:
    /// CRIU running inside them leaves them out of the images, so a restore can put the tree into the
    /// target pod's namespaces instead of recreating the source's.
    /// </summary>
    public static IReadOnlyList<string> IntoSandboxOf(ResolvedContainer tree)
    {
        var kinds = SandboxKinds.Where(k => tree.Namespaces.TryGetValue(k, out var ns) && !ns.SharedWithAgent).ToList();
        return kinds.Count == 0 ? [] : Nsenter(tree.InitPid, kinds);
    }

    /// <summary><c>nsenter -t PID --flag… --</c>.</summary>
    public static IReadOnlyList<string> Nsenter(int pid, IEnumerable<NamespaceKind> kinds)
    {
        var args = new List<string> { "nsenter", "-t", pid.ToString(CultureInfo.InvariantCulture) };
        args.AddRange(kinds.Select(Flag));
        args.Add("--");
        return args;
    }

    /// <summary>The nsenter/unshare flag for a namespace kind.</summary>
    public static string Flag(NamespaceKind kind) => kind switch
    {
        NamespaceKind.Net => "--net",
        NamespaceKind.Uts => "--uts",
        NamespaceKind.Ipc => "--ipc",
        NamespaceKind.Pid => "--pid",
        NamespaceKind.Mnt => "--mount",
        NamespaceKind.Cgroup => "--cgroup",
        NamespaceKind.User => "--user",
        NamespaceKind.Time => "--time",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no nsenter flag"),
    };
}
