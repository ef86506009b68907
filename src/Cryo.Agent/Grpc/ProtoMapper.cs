using Cryo.Agent.Operations;
using Cryo.Contracts.Agent.V1;
using Google.Protobuf.WellKnownTypes;
using ProtoStage = Cryo.Contracts.Agent.V1.CheckpointStage;
using Stage = Cryo.Agent.Operations.CheckpointStage;

namespace Cryo.Agent.Grpc;

/// <summary>Maps domain results to proto messages (and a stored checkpoint back to a checkpoint outcome).</summary>
public static class ProtoMapper
{
    /// <summary>A progress event for a stage.</summary>
    public static CheckpointEvent ToEvent(Stage stage) => new()
    {
        Progress = new CheckpointProgress
        {
            Stage = stage switch
            {
                Stage.Queued => ProtoStage.Queued,
                Stage.Resolving => ProtoStage.Resolving,
                Stage.Freezing => ProtoStage.Freezing,
                Stage.Dumping => ProtoStage.Dumping,
                Stage.Committing => ProtoStage.Committing,
                _ => ProtoStage.Unspecified,
            },
            Message = stage switch
            {
                Stage.Queued => "waiting for a free operation slot",
                Stage.Resolving => "resolving the process tree",
                Stage.Freezing => "freezing the process tree",
                Stage.Dumping => "dumping with CRIU",
                Stage.Committing => "committing the checkpoint",
                _ => stage.ToString(),
            },
        },
    };

    /// <summary>The final event of a checkpoint stream.</summary>
    public static CheckpointEvent ToEvent(CheckpointOutcome outcome, string operationId, string nodeName) => new()
    {
        Result = new CheckpointResult
        {
            Checkpoint = new CheckpointRef { Namespace = outcome.Namespace, Name = outcome.Name },
            Location = outcome.Location,
            SizeBytes = outcome.SizeBytes,
            Timings = Timings(outcome.Freeze, outcome.Dump, outcome.Total),
            ProcessCount = outcome.ProcessCount,
            CriuVersion = outcome.CriuVersion,
            MemoryPagesBytes = outcome.MemoryPagesBytes,
            NodeName = nodeName,
            CreatedAt = Timestamp.FromDateTimeOffset(outcome.CreatedAt),
            OperationId = operationId,
        },
    };

    /// <summary>A restore's response.</summary>
    public static RestoreResponse ToResponse(RestoreOutcome outcome, RestoreCommand command, string nodeName) => new()
    {
        HostPid = outcome.HostPid,
        NamespacePid = outcome.NamespacePid,
        Timings = new RestoreTimings
        {
            VerifyMs = Ms(outcome.Verify),
            RestoreMs = Ms(outcome.Restore),
            TotalMs = Ms(outcome.Total),
        },
        NodeName = nodeName,
        Checkpoint = new CheckpointRef { Namespace = command.Namespace, Name = command.Name },
        OperationId = command.OperationId,
    };

    /// <summary>A list entry.</summary>
    public static CheckpointSummary ToSummary(CheckpointRecord record) => new()
    {
        Checkpoint = new CheckpointRef { Namespace = record.Namespace, Name = record.Name },
        Location = record.Location,
        SizeBytes = record.SizeBytes,
        CreatedAt = Timestamp.FromDateTimeOffset(record.CreatedAt),
        NodeName = record.NodeName,
        CriuVersion = record.CriuVersion,
        KernelRelease = record.KernelRelease,
        Pod = new PodMetadata
        {
            PodName = record.Workload.PodName,
            PodUid = record.Workload.PodUid,
            ContainerName = record.Workload.ContainerName,
            Image = record.Workload.Image,
        },
        Options = new CheckpointOptions
        {
            LeaveRunning = record.Options.LeaveRunning,
            TcpEstablished = record.Options.TcpEstablished,
            FileLocks = record.Options.FileLocks,
            SkipRootFilesystem = record.Options.SkipRootFilesystem,
        },
        Timings = Timings(record.Freeze, record.Dump, record.Total),
        ProcessCount = record.ProcessCount,
        MemoryPagesBytes = record.MemoryPagesBytes,
        ParentCheckpoint = record.ParentCheckpoint ?? string.Empty,
        OperationId = record.OperationId,
        ShellJob = record.Options.ShellJob,
    };

    /// <summary>Everything the manifest says.</summary>
    public static CheckpointDetails ToDetails(CheckpointRecord record)
    {
        var details = new CheckpointDetails
        {
            Summary = ToSummary(record),
            Source = new CheckpointSource
            {
                ContainerId = record.Source.ContainerId ?? string.Empty,
                Pid = record.Source.Pid,
                Cgroups = { record.Source.Cgroups },
                ExternalMounts = { record.Source.ExternalMounts },
            },
            ManifestVersion = record.ManifestVersion,
        };
        foreach (var (kind, identity) in record.Source.Namespaces)
        {
            details.Source.Namespaces[kind] = identity;
        }

        details.Processes.AddRange(record.Processes.Select(p => new ProcessEntry
        {
            Pid = p.Pid,
            Ppid = p.Ppid,
            HostPid = p.HostPid,
            Args = { p.CommandLine },
            Command = p.CommandLine.Count > 0 ? Path.GetFileName(p.CommandLine[0]) : string.Empty,
        }));
        details.Files.AddRange(record.Files.Select(f => new FileEntry { Path = f.Path, SizeBytes = f.SizeBytes, Sha256 = f.Sha256 ?? string.Empty, ChunkSizeBytes = f.ChunkSizeBytes, ChunkSha256 = { f.ChunkSha256 } }));
        return details;
    }

    /// <summary>The outcome a stored checkpoint stands for (answering a repeated operation after a restart).</summary>
    public static CheckpointOutcome ToOutcome(CheckpointRecord record) => new(
        record.Namespace, record.Name, record.Location, record.SizeBytes, record.Freeze, record.Dump, record.Total,
        record.ProcessCount, record.CriuVersion, record.MemoryPagesBytes, record.CreatedAt);

    private static CheckpointTimings Timings(TimeSpan freeze, TimeSpan dump, TimeSpan total) => new()
    {
        FreezeMs = Ms(freeze),
        DumpMs = Ms(dump),
        TotalMs = Ms(total),
    };

    private static long Ms(TimeSpan value) => (long)Math.Round(value.TotalMilliseconds);
}
