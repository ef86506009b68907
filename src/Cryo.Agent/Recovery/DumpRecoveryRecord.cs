using System.Globalization;
using System.Text.Json;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Containers;
using Cryo.Criu.Images;

namespace Cryo.Agent.Recovery;

/// <summary>
/// What it takes to undo a dump that never finished: the tree's root (PID and start time, which together
/// recognise the same process despite PID reuse), the cgroup freezer CRIU stops it with, and where a
/// <c>--tcp-established</c> dump locks its network. Written into the checkpoint's temporary directory
/// before CRIU starts — before anything is frozen or locked — so that an agent killed mid-dump, CRIU with
/// it, finds it in the leftovers at its next start (<see cref="StoreRecovery"/>) and can give the
/// workload back; removed once CRIU finished, since it is no part of the checkpoint.
/// </summary>
/// <param name="RootPid">Host PID of the tree's root when the dump began.</param>
/// <param name="RootStartTime">The root's start time (clock ticks after boot, <c>/proc/PID/stat</c> field 22).</param>
/// <param name="Freezer">The freezer CRIU stops the tree with, or null when CRIU seizes the tasks one by one.</param>
/// <param name="NetworkLock">Where a <c>--tcp-established</c> dump locks the network, or null.</param>
public sealed record DumpRecoveryRecord(int RootPid, ulong RootStartTime, FreezerRecord? Freezer, NetworkLockRecord? NetworkLock)
{
    /// <summary>The record's file name in a checkpoint's temporary directory.</summary>
    public const string FileName = "dump-recovery.json";

    /// <summary>The record for dumping <paramref name="tree"/> as <paramref name="plan"/> says; read before the dump starts.</summary>
    /// <exception cref="ProcessGoneException">The tree's root is gone.</exception>
    public static async Task<DumpRecoveryRecord> ForAsync(ProcFs procFs, ResolvedContainer tree, DumpPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(procFs);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(plan);
        var root = await procFs.ReadStatAsync(tree.InitPid, cancellationToken);
        return new DumpRecoveryRecord(
            tree.InitPid,
            root.StartTime,
            plan.Freezer is { } freezer ? FreezerRecord.Of(freezer) : null,
            plan.Options.TcpEstablished ? NetworkLockRecord.For(procFs, tree, plan.Options) : null);
    }

    /// <summary>Writes the record into <paramref name="directory"/> (mode 0600).</summary>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        var stream = OwnerOnlyFile.Create(path, FileMode.Create);
        await using (stream)
        {
            var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            await using (json)
            {
                json.WriteStartObject();
                json.WriteNumber("rootPid", RootPid);
                // As a string, like the inode below: JSON readers elsewhere may hold numbers as doubles.
                json.WriteString("rootStartTime", RootStartTime.ToString(CultureInfo.InvariantCulture));
                if (Freezer is { } freezer)
                {
                    json.WriteStartObject("freezer");
                    json.WriteString("directory", freezer.Directory);
                    json.WriteBoolean("unified", freezer.Unified);
                    json.WriteBoolean("wasFrozen", freezer.WasFrozen);
                    json.WriteEndObject();
                }
                if (NetworkLock is { } networkLock)
                {
                    json.WriteStartObject("networkLock");
                    json.WriteString("netNamespace", networkLock.NetNamespaceInode.ToString(CultureInfo.InvariantCulture));
                    json.WriteString("criuLog", networkLock.CriuLogPath);
                    json.WriteEndObject();
                }
                json.WriteEndObject();
                await json.FlushAsync(cancellationToken);
            }
        }
    }

    /// <summary>The record in <paramref name="directory"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a record.</exception>
    public static DumpRecoveryRecord? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            var pid = root.GetProperty("rootPid").GetInt32();
            var freezer = root.TryGetProperty("freezer", out var f)
                ? new FreezerRecord(Text(f, "directory"), f.GetProperty("unified").GetBoolean(), f.GetProperty("wasFrozen").GetBoolean())
                : null;
            var networkLock = root.TryGetProperty("networkLock", out var n)
                ? new NetworkLockRecord(pid, Number(n, "netNamespace"), Text(n, "criuLog"))
                : null;
            return new DumpRecoveryRecord(pid, Number(root, "rootStartTime"), freezer, networkLock);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"{path} is not a dump recovery record: {e.Message}", e);
        }

        static string Text(JsonElement element, string name) =>
            element.GetProperty(name).GetString() is { Length: > 0 } text ? text : throw new FormatException($"'{name}' is empty");

        static ulong Number(JsonElement element, string name) =>
            ulong.Parse(Text(element, name), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>Removes the record from <paramref name="directory"/> (CRIU finished: nothing to undo).</summary>
    public static void Delete(string directory) => File.Delete(Path.Combine(directory, FileName));
}
