using System.Text.Json;

namespace Cryo.Agent.Restoring.Lazy;

/// <summary>
/// What the agent needs to watch a lazy transfer it started — also after a restart: the supervisor (PID and
/// start time), the daemon, and the cgroups made for them. Kept in the restore's work directory
/// (<see cref="FileName"/>) and removed once the transfer is over.
/// </summary>
/// <param name="Operation">The restore's operation ID, for logs.</param>
/// <param name="SupervisorPid">Host PID of the supervising shell.</param>
/// <param name="SupervisorStartTime">Its start time (clock ticks after boot).</param>
/// <param name="DaemonPid">Host PID of <c>criu lazy-pages</c>.</param>
/// <param name="CgroupDirectories">The cgroups made for the supervisor and daemon, removed when they ended.</param>
public sealed record LazyTransferRecord(string Operation, int SupervisorPid, ulong SupervisorStartTime, int DaemonPid, IReadOnlyList<string> CgroupDirectories)
{
    /// <summary>The record's file name in the restore's work directory.</summary>
    public const string FileName = "lazy-pages.json";

    /// <summary>Writes the record into <paramref name="workDirectory"/> (atomically).</summary>
    public void Write(string workDirectory)
    {
        var path = Path.Combine(workDirectory, FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Reads the record of <paramref name="workDirectory"/>, or null when it has none.</summary>
    /// <exception cref="JsonException">The record is unreadable.</exception>
    public static LazyTransferRecord? Read(string workDirectory)
    {
        var path = Path.Combine(workDirectory, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<LazyTransferRecord>(File.ReadAllText(path)) : null;
    }
}
