using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Cryo.Agent.Attempts;
using Cryo.Agent.Cgroups;
using Cryo.Agent.Containers;
using Cryo.Agent.Metrics;
using Cryo.Criu.Capabilities;
using Cryo.Criu.Options;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Restoring.Lazy;

/// <summary>
/// The node's lazy restores: whether CRIU and the kernel can do them, starting each restore's
/// <c>criu lazy-pages</c> daemon (<see cref="LazyPagesDaemon"/>), and watching every transfer until its daemon
/// ended — also those an earlier agent started, found again at start-up in the run directory. A restored task
/// that touches a page nobody serves any more would run on zeroes, so the rule is: a transfer whose daemon is
/// gone without saying it finished has its restored tree killed and the loss logged. Stopping the agent
/// leaves the daemons running: they live in cgroups of their own and finish the transfers by themselves.
/// Every loss is counted in <c>cryo_agent_lazy_pages_lost_total</c> (when given the agent's metrics).
/// </summary>
public sealed class LazyTransfers(
    string criuPath,
    Func<CancellationToken, Task<CriuCapabilities?>> capabilities,
    ProcFs procFs,
    IOptions<EngineOptions> options,
    ILogger<LazyTransfers> logger,
    AgentMetrics? metrics = null) : BackgroundService
{
    private static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(250);
    private readonly EngineOptions settings = options.Value;
    private readonly ConcurrentDictionary<string, LazyTransferRecord> watched = new(StringComparer.Ordinal);
    private CriuCapabilities? checkedCapabilities;

    /// <summary>How many transfers are being watched.</summary>
    public int InFlight => watched.Count;

    /// <summary>
    /// Why a lazy restore cannot be done on this node (the kernel lacks userfaultfd or its non-cooperative
    /// events, the check failed), or <see langword="null"/> when it can.
    /// </summary>
    public async Task<string?> WhyUnavailableAsync(CancellationToken cancellationToken)
    {
        // The kernel does not change under a running agent: one answer serves every restore.
        var caps = checkedCapabilities ??= await capabilities(cancellationToken);
        if (caps is null)
        {
            return "CRIU's features could not be checked (criu check did not run), so whether the kernel has userfaultfd is unknown";
        }
        return caps.WhyMissing(CriuFeature.Uffd) ?? caps.WhyMissing(CriuFeature.UffdNonCooperative);
    }

    /// <summary>
    /// Starts the daemon serving <paramref name="imagesDirectory"/> in <paramref name="workDirectory"/> (the restore's),
    /// in cgroups of its own, and starts watching it.
    /// </summary>
    /// <exception cref="LazyPagesStartException">The daemon did not come up; nothing of it is left.</exception>
    public async Task<LazyPagesDaemon> StartAsync(string imagesDirectory, string workDirectory, string operationId, CancellationToken cancellationToken)
    {
        var cgroups = CreateCgroups(operationId);
        try
        {
            var daemon = await LazyPagesDaemon.StartAsync(criuPath,
                new LazyPagesOptions { ImagesDirectory = imagesDirectory, WorkDirectory = workDirectory, LogFile = Path.Combine(workDirectory, Criu.Images.CriuImageFiles.LazyPagesLog) },
                [.. cgroups.Select(c => Path.Combine(c, "cgroup.procs"))], procFs, cancellationToken);
            var record = new LazyTransferRecord(operationId, daemon.SupervisorPid, daemon.SupervisorStartTime, daemon.DaemonPid, cgroups);
            record.Write(workDirectory);
            watched[workDirectory] = record;
            return daemon;
        }
        catch
        {
            RemoveCgroups(cgroups);
            throw;
        }
    }

    /// <summary>
    /// Names the restored tree to the daemon's supervisor. When the daemon already ended with pages owed, the tree
    /// is killed here and the restore fails.
    /// </summary>
    /// <exception cref="LazyPagesLostException">The daemon ended before the tree was named; the tree was killed.</exception>
    public async Task AdoptTreeAsync(LazyPagesDaemon daemon, int hostPid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        var stat = await procFs.ReadStatAsync(hostPid, cancellationToken);
        if (await daemon.AdoptTreeAsync(hostPid, stat.StartTime, cancellationToken) is { } status)
        {
            await KillTreeAsync(hostPid, stat.StartTime);
            metrics?.LazyPagesLost(LazyPagesLoss.BeforeRunning);
            var log = Tail(daemon.WorkDirectory);
            throw new LazyPagesLostException(status, log, $"criu lazy-pages ended with status {status} before the restored tree was running: it was killed ({log})");
        }
    }

    /// <summary>Kills a daemon whose restore failed, and forgets it.</summary>
    public void Abandon(LazyPagesDaemon daemon)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        daemon.Kill();
        if (watched.TryRemove(daemon.WorkDirectory, out var record))
        {
            RemoveCgroups(record.CgroupDirectories);
        }
    }

    /// <summary>Waits until the transfer of the restore whose work directory is <paramref name="workDirectory"/> is over; its daemon's exit status.</summary>
    public static async Task<int> WaitAsync(string workDirectory, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (LazyPagesDaemon.ReadExitCode(workDirectory) is { } code)
            {
                return code;
            }
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Recover();
        // Asked once at start-up, so the first lazy restore does not pay for criu check (about ten CRIU runs).
        try
        {
            if (await WhyUnavailableAsync(stoppingToken) is { } why)
            {
                logger.LogWarning("lazy restores will be eager on this node: {Reason}", why);
            }
        }
#pragma warning disable CA1031 // start-up must go on: the first lazy restore asks again
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            logger.LogWarning(e, "whether this node can restore lazily could not be checked at start-up; the first lazy restore asks again");
        }
        using var timer = new PeriodicTimer(WatchInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var (directory, record) in watched)
                {
                    try
                    {
                        await CheckAsync(directory, record);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        logger.LogWarning(e, "lazy restore {Operation}: cannot check its transfer in {Directory}", record.Operation, directory);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping leaves the daemons running: they finish without the agent, and the next one finds them.
        }
    }

    /// <summary>Picks up the transfers an earlier agent left running (or left behind) in the run directory.</summary>
    private void Recover()
    {
        var restores = Path.Combine(settings.RunDirectory, "restores");
        if (!Directory.Exists(restores))
        {
            return;
        }
        foreach (var directory in Directory.EnumerateDirectories(restores))
        {
            try
            {
                if (LazyTransferRecord.Read(directory) is { } record && watched.TryAdd(directory, record))
                {
                    logger.LogInformation("lazy restore {Operation}: found its transfer from an earlier agent (daemon PID {Daemon}); watching it to the end",
                        record.Operation, record.DaemonPid);
                }
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                logger.LogError(e, "lazy restore in {Directory}: its transfer record is unreadable; a restored tree there may be left without its pages", directory);
            }
        }
    }

    private async Task CheckAsync(string directory, LazyTransferRecord record)
    {
        if (LazyPagesDaemon.ReadExitCode(directory) is { } status)
        {
            if (status != 0)
            {
                // The supervisor killed the tree if it knew it; make sure (it may not have: the daemon ended first).
                await KillTreeOfAsync(directory);
                metrics?.LazyPagesLost(LazyPagesLoss.PageServerFailed);
                logger.LogError("lazy restore {Operation}: criu lazy-pages ended with status {Status} before serving every page; the restored tree was killed ({Tail})",
                    record.Operation, status, Tail(directory));
            }
            else
            {
                logger.LogInformation("lazy restore {Operation}: every page served", record.Operation);
            }
            Finish(directory, record);
            return;
        }
        if (await IsSameProcessAsync(record.SupervisorPid, record.SupervisorStartTime))
        {
            return;
        }
        // Gone without a status: killed itself (with its cgroup?). The daemon may live on, but nobody would end
        // the tree should it fail now, and whether it finished is unknown: end both.
        ProcessKiller.Kill(record.DaemonPid);
        var tree = await KillTreeOfAsync(directory);
        metrics?.LazyPagesLost(LazyPagesLoss.PageServerGone);
        logger.LogError("lazy restore {Operation}: the supervisor of its criu lazy-pages daemon is gone without a status, so pages may be missing: the restored tree {Tree} was killed",
            record.Operation, tree?.ToString(CultureInfo.InvariantCulture) ?? "(not yet named)");
        await File.WriteAllTextAsync(Path.Combine(directory, LazyPagesSupervisor.ExitFile), "-1\n");
        Finish(directory, record);
    }

    private void Finish(string directory, LazyTransferRecord record)
    {
        RemoveCgroups(record.CgroupDirectories);
        File.Delete(Path.Combine(directory, LazyTransferRecord.FileName));
        watched.TryRemove(directory, out _);
    }

    private async Task<int?> KillTreeOfAsync(string directory)
    {
        var path = Path.Combine(directory, LazyPagesSupervisor.TreeFile);
        if (!File.Exists(path))
        {
            return null;
        }
        var fields = (await File.ReadAllTextAsync(path)).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length != 2 || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out var pid) || !ulong.TryParse(fields[1], CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }
        await KillTreeAsync(pid, start);
        return pid;
    }

    private async Task KillTreeAsync(int pid, ulong startTime)
    {
        if (!await IsSameProcessAsync(pid, startTime))
        {
            return;
        }
        var descendants = await procFs.ReadDescendantsAsync(pid, CancellationToken.None);
        ProcessKiller.Kill(pid);
        foreach (var child in descendants)
        {
            ProcessKiller.Kill(child);
        }
    }

    private async Task<bool> IsSameProcessAsync(int pid, ulong startTime)
    {
        try
        {
            var stat = await procFs.ReadStatAsync(pid, CancellationToken.None);
            return stat.StartTime == startTime && stat.State != 'Z';
        }
        catch (Exception e) when (e is ProcessGoneException or IOException)
        {
            return false;
        }
    }

    private static string Tail(string directory)
    {
        var output = Path.Combine(directory, LazyPagesSupervisor.OutputFile);
        var log = Path.Combine(directory, Criu.Images.CriuImageFiles.LazyPagesLog);
        var printed = File.Exists(output) ? File.ReadAllText(output).Trim() : string.Empty;
        var errors = File.Exists(log) ? Criu.Logs.CriuLog.ExtractErrors(log).Text.Trim() : string.Empty;
        return string.Join("; ", new[] { printed, errors }.Where(t => t.Length > 0)) is { Length: > 0 } text ? text : "no output";
    }

    /// <summary>
    /// Cgroups for one daemon in every mounted hierarchy (a v1 node: each one the agent's container has a cgroup
    /// in), under <see cref="EngineOptions.LazyPagesCgroupParent"/>. cpuset ones get their parent's CPUs and memory
    /// nodes (an empty cpuset takes no task).
    /// </summary>
    private List<string> CreateCgroups(string operationId)
    {
        var name = operationId + "-" + Guid.NewGuid().ToString("N")[..6];
        var parent = settings.LazyPagesCgroupParent.Trim('/');
        var root = CgroupLayout.Root;
        var hierarchies = CgroupLayout.IsUnified(root)
            ? [root]
            : Directory.EnumerateDirectories(root).Where(h => new DirectoryInfo(h).LinkTarget is null && File.Exists(Path.Combine(h, "cgroup.procs"))).ToList();
        var made = new List<string>();
        foreach (var hierarchy in hierarchies)
        {
            var directory = CgroupLayout.Join(hierarchy, "/" + parent + "/" + name);
            try
            {
                var parentDirectory = Path.GetDirectoryName(directory)!;
                Directory.CreateDirectory(parentDirectory);
                InheritCpuset(hierarchy, parentDirectory);
                Directory.CreateDirectory(directory);
                InheritCpuset(parentDirectory, directory);
                made.Add(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "lazy restore {Operation}: no cgroup for its daemon in {Hierarchy}; it stays in the agent's there", operationId, hierarchy);
            }
        }
        return made;
    }

    private static void InheritCpuset(string from, string to)
    {
        foreach (var file in new[] { "cpuset.cpus", "cpuset.mems" })
        {
            var target = Path.Combine(to, file);
            if (File.Exists(target) && File.ReadAllText(target).Trim().Length == 0)
            {
                File.WriteAllText(target, File.ReadAllText(Path.Combine(from, file)).Trim());
            }
        }
    }

    private void RemoveCgroups(IEnumerable<string> directories)
    {
        foreach (var directory in directories)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory);
                }
            }
            catch (IOException e)
            {
                logger.LogDebug(e, "cgroup {Directory} of a lazy-pages daemon is still in use", directory);
            }
        }
    }
}
