using Cryo.Agent.Cgroups;
using Cryo.Agent.Containers;

namespace Cryo.Agent.Recovery;

/// <summary>
/// Gives the workload back after a dump that died with the agent, from what the dump left in its
/// temporary directory: ends a CRIU still dumping into it, removes the network lock, and thaws the tree's
/// freezer — in that order, as a failing dump does it: a CRIU that lives on could freeze the tree again,
/// and sockets leave repair mode before the tree runs. Never throws for what it finds: outcomes are logged
/// (what it undid as warnings, what it could not as errors, with the command that does it by hand).
/// </summary>
/// <param name="procFs">Where CRIU, the tree and its cgroups are looked up.</param>
/// <param name="logger">Where outcomes are logged.</param>
/// <param name="nftPath">The <c>nft</c> the network lock release runs; null finds it.</param>
public sealed class InterruptedDumpRecovery(ProcFs procFs, ILogger logger, string? nftPath = null)
{
    /// <summary>How long a killed CRIU may take to go (it may be in the middle of writing a page).</summary>
    public static readonly TimeSpan CriuExitPatience = TimeSpan.FromSeconds(10);

    /// <summary>Recovers the dump whose temporary directory is <paramref name="directory"/>.</summary>
    /// <param name="directory">The dump's temporary directory.</param>
    /// <param name="record">What the dump recorded there; null when it recorded nothing (only a CRIU still running is ended).</param>
    /// <param name="cancellationToken">Cancels the waits and the <c>nft</c> runs.</param>
    public async Task<InterruptedDumpRecoveryResult> RecoverAsync(string directory, DumpRecoveryRecord? record, CancellationToken cancellationToken)
    {
        var what = $"interrupted dump in {directory}";
        var killed = await StopCriuAsync(directory, what, cancellationToken);
        if (record is null)
        {
            return new InterruptedDumpRecoveryResult(killed, null, ThawStatus.NoFreezer);
        }
        var networkLock = record.NetworkLock is { } locked
            ? await new NetworkLockRelease(procFs, logger, nftPath).ReleaseAsync(locked, what, cancellationToken)
            : null;
        var thaw = await ThawAsync(record, what, cancellationToken);
        return new InterruptedDumpRecoveryResult(killed, networkLock, thaw);
    }

    /// <summary>Ends a CRIU that still dumps into the directory: it holds the tree, and nobody will commit its dump.</summary>
    private async Task<IReadOnlyList<int>> StopCriuAsync(string directory, string what, CancellationToken cancellationToken)
    {
        var dumping = await OrphanedCriu.FindAsync(procFs, directory, cancellationToken);
        if (dumping.Count == 0)
        {
            return [];
        }
        var survivors = await OrphanedCriu.KillAsync(procFs, dumping, CriuExitPatience, cancellationToken);
        if (survivors.Count > 0)
        {
            logger.LogError("{What}: CRIU (PID {Pids}) still runs {Seconds} s after SIGKILL; thawing its tree anyway",
                what, string.Join(", ", survivors), CriuExitPatience.TotalSeconds);
        }
        else
        {
            logger.LogWarning("{What}: killed CRIU (PID {Pids}), which outlived the agent that started it", what, string.Join(", ", dumping));
        }
        return dumping;
    }

    /// <summary>
    /// Thaws the recorded freezer if it is still frozen and still holds the dumped tree. A frozen freezer
    /// whose tree is gone (root exited, or its PID reused by another process) is someone else's now —
    /// a runtime pausing a new container there — and is left alone, saying how to thaw it.
    /// </summary>
    private async Task<ThawStatus> ThawAsync(DumpRecoveryRecord record, string what, CancellationToken cancellationToken)
    {
        if (record.Freezer is not { } recorded)
        {
            return ThawStatus.NoFreezer;
        }
        if (recorded.WasFrozen)
        {
            return await KeepPausedAsync(record, recorded, what, cancellationToken);
        }
        var freezer = recorded.Open();
        try
        {
            if (!freezer.Exists)
            {
                logger.LogInformation("{What}: the tree's cgroup {Freezer} is gone, and the tree with it: nothing to thaw", what, recorded.Directory);
                return ThawStatus.CgroupGone;
            }
            if (!freezer.IsFrozen())
            {
                logger.LogDebug("{What}: {Freezer} is not frozen", what, recorded.Directory);
                return ThawStatus.NotFrozen;
            }
            if (await WhyNotTheDumpedTreeAsync(record, recorded, cancellationToken) is { } reason)
            {
                logger.LogWarning("{What}: left {Freezer} frozen: {Reason}, so what is frozen there is not the tree the dump froze. If nobody else froze it: {Command}",
                    what, recorded.Directory, reason, freezer.ThawCommand);
                return ThawStatus.OtherTree;
            }
            freezer.Thaw();
            logger.LogWarning("{What}: thawed {Freezer}, which the dump left frozen: the tree of PID {Pid} runs again", what, recorded.Directory, record.RootPid);
            return ThawStatus.Thawed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!freezer.Exists)
            {
                logger.LogInformation("{What}: the tree's cgroup {Freezer} went away while it was being thawed", what, recorded.Directory);
                return ThawStatus.CgroupGone;
            }
            logger.LogError(e, "{What}: could not thaw {Freezer}; the tree of PID {Pid} stays frozen until: {Command}",
                what, recorded.Directory, record.RootPid, freezer.ThawCommand);
            return ThawStatus.Failed;
        }
    }

    /// <summary>
    /// A tree paused before the dump stays paused. CRIU thaws the cgroup once it holds every task by ptrace and freezes
    /// it again as it lets go: a CRIU that died in between left the paused tree running, so it is paused again while
    /// the cgroup still holds that tree.
    /// </summary>
    private async Task<ThawStatus> KeepPausedAsync(DumpRecoveryRecord record, FreezerRecord recorded, string what, CancellationToken cancellationToken)
    {
        var freezer = recorded.Open();
        try
        {
            if (freezer.Exists && !freezer.IsFrozen() && await WhyNotTheDumpedTreeAsync(record, recorded, cancellationToken) is null)
            {
                await freezer.FreezeAsync(RepauseTimeout, cancellationToken);
                logger.LogWarning("{What}: froze {Freezer} again: it was frozen before the dump began (a paused container), and the dump left it running", what, recorded.Directory);
                return ThawStatus.Repaused;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError(e, "{What}: could not freeze {Freezer} again, which was frozen before the dump began (a paused container)", what, recorded.Directory);
            return ThawStatus.Failed;
        }
        logger.LogInformation("{What}: left {Freezer} as it is: it was frozen before the dump began (a paused container)", what, recorded.Directory);
        return ThawStatus.FrozenBeforeDump;
    }

    // How long the tasks of a paused tree the dump left running may take to stop again.
    private static readonly TimeSpan RepauseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Null when the recorded root still lives, the same process, in the recorded freezer; else why not.</summary>
    private async Task<string?> WhyNotTheDumpedTreeAsync(DumpRecoveryRecord record, FreezerRecord recorded, CancellationToken cancellationToken)
    {
        try
        {
            var root = await procFs.ReadStatAsync(record.RootPid, cancellationToken);
            if (root.StartTime != record.RootStartTime)
            {
                return $"PID {record.RootPid}, the dumped tree's root, is another process now (started at tick {root.StartTime}, the root at tick {record.RootStartTime})";
            }
            var now = CgroupFreezer.For(await procFs.ReadCgroupsAsync(record.RootPid, cancellationToken));
            return now?.Directory == recorded.Directory
                ? null
                : $"PID {record.RootPid}, the dumped tree's root, has left it for {now?.Directory ?? "the root cgroup"}";
        }
        catch (ProcessGoneException)
        {
            return $"PID {record.RootPid}, the dumped tree's root, is gone";
        }
    }
}
