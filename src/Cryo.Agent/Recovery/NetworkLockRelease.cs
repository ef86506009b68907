using System.ComponentModel;
using System.Globalization;
using Cryo.Agent.Containers;
using Cryo.Criu.Logs;
using Cryo.Criu.Network;

namespace Cryo.Agent.Recovery;

/// <summary>
/// Undoes what a killed <c>--tcp-established</c> dump left on the tree's connections: CRIU's own nftables
/// table (<see cref="NetworkLockTable"/>, named by the run ID in CRIU's log) in the network namespace
/// CRIU ran in, and the repair mode of the tree's TCP sockets (<see cref="TcpRepairMode"/>) — and nothing
/// else: another CRIU run in the same namespace (a sibling container of the pod) keeps its lock. Until
/// both are undone, the workload runs but its dumped connections carry nothing.
/// </summary>
/// <param name="procFs">Where the tree's processes and network namespace are looked up.</param>
/// <param name="logger">Where outcomes are logged: removals as warnings, failures as errors.</param>
/// <param name="nftPath">The <c>nft</c> to run; null finds it on PATH or in the sbin directories.</param>
public sealed class NetworkLockRelease(ProcFs procFs, ILogger logger, string? nftPath = null)
{
    /// <summary>Deadline of each <c>nft</c> run.</summary>
    public static readonly TimeSpan CommandDeadline = TimeSpan.FromSeconds(10);

    // nft is in sbin, which a non-login PATH may lack.
    private static readonly string[] NftFallbackDirectories = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

    /// <summary>
    /// Undoes the lock of the dump described by <paramref name="record"/>, as far as it is still there: takes
    /// the tree's TCP sockets out of repair mode, then removes CRIU's table. Never throws for what it finds:
    /// the outcome says what happened, and failures are logged as errors.
    /// </summary>
    /// <param name="record">The dump's record.</param>
    /// <param name="what">Whose dump, for the log (<c>checkpoint ns/name</c>).</param>
    /// <param name="cancellationToken">Cancels the <c>nft</c> runs.</param>
    public async Task<NetworkLockReleaseResult> ReleaseAsync(NetworkLockRecord record, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        NetworkLockReleaseResult result;
        try
        {
            // CRIU logs its run ID before it does anything; a log without one means nothing was locked.
            if (CriuLog.ReadRunId(record.CriuLogPath) is not { } runId)
            {
                result = new(NetworkLockReleaseStatus.NotLocked, null, $"CRIU logged no run ID in {record.CriuLogPath}: it stopped before locking anything");
            }
            else
            {
                // CRIU's own order: the sockets leave repair mode while the table still drops their packets,
                // then the table goes. The other way round, a retransmission reaches a socket still in repair
                // mode, the application's read fails (EPERM) and it drops the connection (seen in tests).
                var sockets = await ResumeSocketsAsync(record, cancellationToken);
                result = Combine(await RemoveTableAsync(record, new NetworkLockTable(runId), cancellationToken), sockets, record);
            }
        }
        catch (Exception e) when (e is Win32Exception or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Called on a dump's failure path: report this, never hide the dump's own failure behind it.
            result = new(NetworkLockReleaseStatus.Failed, null,
                $"could not undo CRIU's network lock in network namespace net:[{record.NetNamespaceInode}] (of PID {record.Pid}): {e.Message}. " +
                $"The TCP connections CRIU was dumping may stay blocked: remove the nftables table CRIU-… listed by 'nsenter --net=/proc/{record.Pid}/ns/net nft list tables inet'");
        }
        switch (result.Status)
        {
            case NetworkLockReleaseStatus.Released:
                logger.LogWarning("{What}: removed the network lock CRIU left on the tree's TCP connections in net:[{Inode}]: {Detail}",
                    what, record.NetNamespaceInode, result.Detail);
                break;
            case NetworkLockReleaseStatus.Failed:
                logger.LogError("{What}: {Detail}", what, result.Detail);
                break;
            default:
                logger.LogDebug("{What}: no network lock to remove: {Detail}", what, result.Detail);
                break;
        }
        return result;
    }

    private async Task<NetworkLockReleaseResult> RemoveTableAsync(NetworkLockRecord record, NetworkLockTable table, CancellationToken cancellationToken)
    {
        var runId = table.RunId;
        if (FindNamespace(record) is not { } netns)
        {
            return new(NetworkLockReleaseStatus.NamespaceGone, table,
                $"no process is left in network namespace net:[{record.NetNamespaceInode}]: the namespace, and the lock with it, is gone");
        }
        var manual = $"nsenter --net={netns} nft list tables {NetworkLockTable.Family}, then nft delete table {NetworkLockTable.Family} <the CRIU-{runId[..Math.Min(8, runId.Length)]}… table>";
        if ((nftPath ?? FindNft()) is not { } nft)
        {
            return Failed($"nft is not installed (Debian package nftables; hack/install-deps.sh installs it)");
        }
        var prefix = IsAgentsOwn(record.NetNamespaceInode) ? [] : new[] { "nsenter", $"--net={netns}", "--" };

        var listed = await ShortCommand.RunAsync([.. prefix, nft, "list", "tables", NetworkLockTable.Family], CommandDeadline, cancellationToken);
        if (listed.ExitCode != 0)
        {
            return Failed($"'nft list tables' failed (exit {listed.ExitCode}): {listed.Error}");
        }
        // One line per table: "table inet CRIU-0f0ba1b1-…".
        var names = listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(words => words is ["table", NetworkLockTable.Family, _])
            .Select(words => words[2])
            .Where(table.IsNamed)
            .ToList();
        if (names.Count == 0)
        {
            return new(NetworkLockReleaseStatus.NotLocked, table, $"no nftables table of CRIU run {runId} in net:[{record.NetNamespaceInode}]: CRIU removed it or never made it");
        }

        foreach (var name in names)
        {
            manual = $"nsenter --net={netns} nft delete table {NetworkLockTable.Family} {name}";
            var deleted = await ShortCommand.RunAsync([.. prefix, nft, "delete", "table", NetworkLockTable.Family, name], CommandDeadline, cancellationToken);
            if (deleted.ExitCode != 0)
            {
                return Failed($"'nft delete table {NetworkLockTable.Family} {name}' failed (exit {deleted.ExitCode}): {deleted.Error}");
            }
        }
        return new(NetworkLockReleaseStatus.Released, table, $"removed nftables table {NetworkLockTable.Family} {string.Join(", ", names)}");

        NetworkLockReleaseResult Failed(string reason) => new(NetworkLockReleaseStatus.Failed, table,
            $"could not remove CRIU's network lock, the nftables table of CRIU run {runId} in network namespace net:[{record.NetNamespaceInode}] (of PID {record.Pid}): {reason}. " +
            $"The workload runs, but the TCP connections CRIU was dumping stay blocked until the table is removed: {manual}");
    }

    /// <summary>Takes the TCP sockets of the recorded tree out of repair mode; nothing when its root is gone.</summary>
    private async Task<(int Resumed, IReadOnlyList<string> Problems)> ResumeSocketsAsync(NetworkLockRecord record, CancellationToken cancellationToken)
    {
        if (InodeOrNull(record.Pid) != record.NetNamespaceInode)
        {
            // The root is gone (or its PID is another process's now): its sockets closed with it.
            return (0, []);
        }
        var descendants = await procFs.ReadDescendantsAsync(record.Pid, cancellationToken);
        return TcpRepairMode.TurnOff([record.Pid, .. descendants]);
    }

    private static NetworkLockReleaseResult Combine(NetworkLockReleaseResult table, (int Resumed, IReadOnlyList<string> Problems) sockets, NetworkLockRecord record)
    {
        var (resumed, problems) = sockets;
        if (problems.Count > 0)
        {
            var detail = $"could not take every TCP socket of PID {record.Pid}'s tree out of repair mode ({string.Join("; ", problems)}): " +
                "those connections stay stalled until the workload reopens them" +
                (table.Status == NetworkLockReleaseStatus.Failed ? "; and " + table.Detail : string.Empty);
            return table with { Status = NetworkLockReleaseStatus.Failed, Detail = detail, SocketsResumed = resumed };
        }
        if (resumed == 0)
        {
            return table;
        }
        return table.Status == NetworkLockReleaseStatus.Failed
            ? table with { SocketsResumed = resumed }
            : table with
            {
                Status = NetworkLockReleaseStatus.Released,
                Detail = $"took {resumed} TCP socket(s) out of repair mode" + (table.Status == NetworkLockReleaseStatus.Released ? "; " + table.Detail : string.Empty),
                SocketsResumed = resumed,
            };
    }

    /// <summary>A path to the namespace: through the tree's root if it is still in it, else through any process that is.</summary>
    private string? FindNamespace(NetworkLockRecord record)
    {
        if (InodeOrNull(record.Pid) == record.NetNamespaceInode)
        {
            return $"/proc/{record.Pid.ToString(CultureInfo.InvariantCulture)}/ns/net";
        }
        // The root may be gone while the namespace lives on (a pod's sandbox holds it).
        var holder = procFs.ListPids().FirstOrDefault(pid => InodeOrNull(pid) == record.NetNamespaceInode);
        return holder == 0 ? null : $"/proc/{holder.ToString(CultureInfo.InvariantCulture)}/ns/net";
    }

    private ulong? InodeOrNull(int pid)
    {
        try
        {
            return procFs.ReadNamespaceInode(pid, NamespaceKind.Net);
        }
        catch (Exception e) when (e is ProcessGoneException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private bool IsAgentsOwn(ulong inode) => InodeOrNull(Environment.ProcessId) == inode;

    private static string? FindNft()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(NftFallbackDirectories)
            .Select(directory => Path.Combine(directory, "nft"))
            .FirstOrDefault(File.Exists);
    }
}
