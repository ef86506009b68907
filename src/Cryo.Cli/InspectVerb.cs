using Cryo.CommandLine;
using Cryo.Contracts.Agent.V1;

namespace Cryo.Cli;

/// <summary><c>cryo inspect NAME</c>: the manifest, as <c>checkpointctl show</c> would print it.</summary>
public static class InspectVerb
{
    /// <summary>One line of help.</summary>
    public const string Usage = "cryo inspect NAME [--namespace NS]";

    /// <summary>Fetches and prints the checkpoint's details.</summary>
    public static async Task<int> RunAsync(ParsedArguments args, CliContext context)
    {
        var details = await context.Agent.InspectCheckpointAsync(
            new InspectCheckpointRequest { Checkpoint = context.NamedCheckpoint(args) }, context.QuickCall());
        context.Print(details, o => WriteText(o, details));
        return 0;
    }

    private static void WriteText(TextWriter o, CheckpointDetails details)
    {
        var s = details.Summary;
        o.WriteLine($"Checkpoint:    {s.Checkpoint.Namespace}/{s.Checkpoint.Name}");
        o.WriteLine($"Location:      {s.Location}");
        o.WriteLine($"Operation:     {s.OperationId}");
        o.WriteLine($"Created:       {s.CreatedAt?.ToDateTimeOffset():u} on node {s.NodeName}");
        o.WriteLine($"Size:          {Units.Bytes(s.SizeBytes)} ({Units.Bytes(s.MemoryPagesBytes)} of memory pages)");
        o.WriteLine($"CRIU:          {s.CriuVersion}, kernel {s.KernelRelease}");
        if (s.Pod.PodName.Length > 0)
        {
            o.WriteLine($"Pod:           {s.Pod.PodName} (uid {s.Pod.PodUid}), container {s.Pod.ContainerName}, image {s.Pod.Image}");
        }

        o.WriteLine($"Options:       leave running {s.Options.LeaveRunning}, TCP established {s.Options.TcpEstablished}, file locks {s.Options.FileLocks}, shell job {s.ShellJob}" +
            (s.Options.SkipRootFilesystem ? ", writable layer skipped by request" : "") +
            (s.Options.Compression.Length > 0 ? $", page images compressed with {s.Options.Compression}" : ""));
        if (s.Options.Compression.Length > 0)
        {
            o.WriteLine($"Compressed:    {Units.Bytes(s.StoredBytes)} stored for {Units.Bytes(s.SizeBytes)} as CRIU wrote it");
        }
        o.WriteLine($"Timings:       frozen {Units.Millis(s.Timings.FreezeMs)}, dump {Units.Millis(s.Timings.DumpMs)}, total {Units.Millis(s.Timings.TotalMs)}");
        if (s.ParentCheckpoint.Length > 0)
        {
            o.WriteLine($"Parent:        {s.ParentCheckpoint} (an increment, {s.IncrementMethod}; a restore reads a chain of {s.ChainLength})");
            o.WriteLine($"Stored:        {Units.Bytes(s.StoredBytes)} of its own; the rest is read from its parents");
        }
        if (s.FlatCopyBytes > 0)
        {
            o.WriteLine($"Flat copy:     {Units.Bytes(s.FlatCopyBytes)} beside it (CRIU's full images, so a restore reads no parent), until a newer increment commits");
        }

        var source = details.Source.ContainerId.Length > 0 ? $"container {details.Source.ContainerId}, " : string.Empty;
        o.WriteLine($"Source:        {source}host PID {details.Source.Pid}");
        o.WriteLine($"Processes ({details.Processes.Count}):");
        Table.Write(o, ["  PID", "PPID", "HOST PID", "COMMAND"],
            [.. details.Processes.Select(p => new[] { $"  {p.Pid}", $"{p.Ppid}", $"{p.HostPid}", string.Join(" ", p.Args) })]);
        o.WriteLine($"Files ({details.Files.Count}):");
        Table.Write(o, ["  PATH", "SIZE", "SHA-256"],
            [.. details.Files.Select(f => new[] { $"  {f.Path}", Units.Bytes(f.SizeBytes), Digest(f) })]);
    }

    // A whole-file digest as sha256sum prints it; for a large file hashed in chunks, the count and size
    // (the digests themselves are in --output json); a pages image's digests are of its pages' SHA-256s.
    private static string Digest(FileEntry file) =>
        (file.ChunkSha256.Count == 0 ? file.Sha256 : $"SHA-256 of {file.ChunkSha256.Count} chunks of {Units.Bytes(file.ChunkSizeBytes)}")
        + (file.DigestAlgorithm.Length == 0 ? string.Empty : $" ({file.DigestAlgorithm}: of the SHA-256 of each 4 KiB page)");
}
