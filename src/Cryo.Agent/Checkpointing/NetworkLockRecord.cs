using System.Globalization;
using System.Text.Json;
using Cryo.Agent.Containers;
using Cryo.Criu;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// Where a <c>--tcp-established</c> dump locks the tree's network and how to find the lock again: the
/// tree's PID and network namespace, and CRIU's log (its first line names the lock table). Written into
/// the checkpoint's temporary directory before CRIU starts, so an agent killed mid-dump finds it in the
/// leftovers at its next start (<see cref="Hosting.StoreRecovery"/>); removed once the dump succeeded.
/// </summary>
/// <param name="Pid">Host PID of the tree's root when the dump began.</param>
/// <param name="NetNamespaceInode">The network namespace CRIU ran in (the N of <c>net:[N]</c>).</param>
/// <param name="CriuLogPath">CRIU's dump log, absolute.</param>
public sealed record NetworkLockRecord(int Pid, ulong NetNamespaceInode, string CriuLogPath)
{
    /// <summary>The record's file name in a checkpoint's temporary directory.</summary>
    public const string FileName = "network-lock.json";

    /// <summary>The record for dumping <paramref name="tree"/> with <paramref name="options"/>.</summary>
    public static NetworkLockRecord For(ResolvedContainer tree, DumpOptions options)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(options);
        var inode = tree.Namespaces.TryGetValue(NamespaceKind.Net, out var net) ? net.Inode : new ProcFs().ReadNamespaceInode(tree.InitPid, NamespaceKind.Net) ?? 0;
        return new NetworkLockRecord(tree.InitPid, inode, Path.GetFullPath(options.LogPath));
    }

    /// <summary>Writes the record into <paramref name="directory"/> (mode 0600).</summary>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        await using (stream.ConfigureAwait(false))
        {
            var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            await using (json.ConfigureAwait(false))
            {
                json.WriteStartObject();
                json.WriteNumber("pid", Pid);
                json.WriteString("netNamespace", NetNamespaceInode.ToString(CultureInfo.InvariantCulture));
                json.WriteString("criuLog", CriuLogPath);
                json.WriteEndObject();
                await json.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The record in <paramref name="directory"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a record.</exception>
    public static NetworkLockRecord? Read(string directory)
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
            return new NetworkLockRecord(
                root.GetProperty("pid").GetInt32(),
                ulong.Parse(root.GetProperty("netNamespace").GetString() ?? "", NumberStyles.None, CultureInfo.InvariantCulture),
                root.GetProperty("criuLog").GetString() ?? throw new InvalidDataException($"{path} names no CRIU log"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"{path} is not a network lock record: {e.Message}", e);
        }
    }

    /// <summary>Removes the record from <paramref name="directory"/> (the dump succeeded: nothing to undo).</summary>
    public static void Delete(string directory) => File.Delete(Path.Combine(directory, FileName));
}
