using Cryo.Agent.Containers;
using Cryo.Criu.Options;

namespace Cryo.Agent.Recovery;

/// <summary>
/// Where a <c>--tcp-established</c> dump locks the tree's network and how to find the lock again: the
/// tree's PID and network namespace, and CRIU's log (its first line names the lock table). Part of the
/// dump's <see cref="DumpRecoveryRecord"/>, written before CRIU starts, so that a failed dump, or an agent
/// killed mid-dump at its next start (<see cref="StoreRecovery"/>), can remove the lock.
/// </summary>
/// <param name="Pid">Host PID of the tree's root when the dump began.</param>
/// <param name="NetNamespaceInode">The network namespace CRIU ran in (the N of <c>net:[N]</c>).</param>
/// <param name="CriuLogPath">CRIU's dump log, absolute.</param>
public sealed record NetworkLockRecord(int Pid, ulong NetNamespaceInode, string CriuLogPath)
{
    /// <summary>The record for dumping <paramref name="tree"/> with <paramref name="options"/>.</summary>
    public static NetworkLockRecord For(ProcFs procFs, ResolvedContainer tree, DumpOptions options)
    {
        ArgumentNullException.ThrowIfNull(procFs);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(options);
        var inode = tree.Namespaces.TryGetValue(NamespaceKind.Net, out var net) ? net.Inode : procFs.ReadNamespaceInode(tree.InitPid, NamespaceKind.Net) ?? 0;
        return new NetworkLockRecord(tree.InitPid, inode, Path.GetFullPath(options.LogPath));
    }
}
