using Cryo.Agent.Operations;
using Cryo.Agent.Store.Manifest;
using Cryo.Contracts.Agent.V1;
using Google.Protobuf.WellKnownTypes;
using ProtoStage = Cryo.Contracts.Agent.V1.CheckpointStage;
using Stage = Cryo.Agent.Operations.CheckpointStage;
using StoreSpace = Cryo.Contracts.Agent.V1.StoreSpace;

namespace Cryo.Agent.Grpc;

/// <summary>Maps outcomes and committed manifests to proto messages (and a committed checkpoint back to a checkpoint outcome).</summary>
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

    /// <summary>The final event of a checkpoint stream, with the store's space as it is after the commit.</summary>
    public static CheckpointEvent ToEvent(CheckpointOutcome outcome, string operationId, string nodeName, Store.StoreSpace space) => new()
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
            StoredBytes = outcome.StoredBytes,
            ParentCheckpoint = outcome.Parent ?? string.Empty,
            ChainLength = outcome.ChainLength,
            IncrementMethod = outcome.IncrementMethod ?? string.Empty,
            Compression = outcome.Compression ?? string.Empty,
            FlatCopyBytes = outcome.FlatCopyBytes,
            StoreSpace = new StoreSpace { CapacityBytes = space.TotalBytes, AvailableBytes = space.AvailableBytes },
        },
    };

    /// <summary>A restore's response.</summary>
    public static RestoreResponse ToResponse(RestoreOutcome outcome, RestoreCommand command, string nodeName) => new()
    {
        HostPid = outcome.HostPid,
        NamespacePid = outcome.NamespacePid,
        Timings = Timings(outcome),
        NodeName = nodeName,
        Checkpoint = new CheckpointRef { Namespace = command.Namespace, Name = command.Name },
        OperationId = command.OperationId,
        Lazy = outcome.Lazy,
        LazyFallbackReason = outcome.LazyFallbackReason ?? string.Empty,
    };

    /// <summary>A list entry, from the committed manifest.</summary>
    public static CheckpointSummary ToSummary(CheckpointRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var manifest = record.Manifest;
        var workload = ManifestExtraKeys.WorkloadOf(manifest.Extra);
        return new()
        {
            Checkpoint = new CheckpointRef { Namespace = record.Key.Namespace, Name = record.Key.Name },
            Location = record.Location,
            SizeBytes = Store.StoredSizes.LogicalBytes(record.SizeBytes, manifest),
            StoredBytes = record.SizeBytes,
            FlatCopyBytes = record.FlatCopyBytes,
            ChainLength = manifest.Increment?.ChainLength ?? 1,
            IncrementMethod = manifest.Increment?.Method ?? string.Empty,
            CreatedAt = Timestamp.FromDateTimeOffset(manifest.CreatedAt),
            NodeName = ManifestExtraKeys.Read(manifest.Extra, ManifestExtraKeys.NodeName),
            CriuVersion = manifest.Criu.Version,
            KernelRelease = manifest.Criu.KernelRelease,
            Pod = new PodMetadata
            {
                PodName = workload.PodName,
                PodUid = workload.PodUid,
                ContainerName = workload.ContainerName,
                Image = workload.Image,
            },
            Options = new CheckpointOptions
            {
                LeaveRunning = manifest.Options.LeaveRunning,
                TcpEstablished = manifest.Options.TcpEstablished,
                FileLocks = manifest.Options.FileLocks,
                SkipRootFilesystem = manifest.Options.SkipRootFilesystem,
                Compression = manifest.Options.Compression ?? string.Empty,
            },
            Timings = Timings(Span(manifest.Timings.FreezeMs), Span(manifest.Timings.DumpMs), Span(manifest.Timings.TotalMs)),
            ProcessCount = manifest.ProcessCount,
            MemoryPagesBytes = manifest.MemoryPagesBytes,
            ParentCheckpoint = manifest.Increment?.Parent.Name ?? ManifestExtraKeys.Read(manifest.Extra, ManifestExtraKeys.ParentCheckpoint),
            OperationId = record.Key.Uid,
            ShellJob = manifest.Options.ShellJob,
        };
    }

    /// <summary>Everything the manifest says.</summary>
    public static CheckpointDetails ToDetails(CheckpointRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var manifest = record.Manifest;
        var source = manifest.Source;
        var details = new CheckpointDetails
        {
            Summary = ToSummary(record),
            Source = new CheckpointSource
            {
                ContainerId = source.ContainerId ?? string.Empty,
                Pid = source.HostPid,
                Cgroups = { source.Cgroups.Select(c => $"{c.Hierarchy}:{c.Controllers}:{c.Path}") },
                ExternalMounts = { source.ExternalMounts.Values },
            },
            ManifestVersion = manifest.SchemaVersion,
        };
        foreach (var (kind, identity) in source.Namespaces)
        {
            details.Source.Namespaces[kind] = identity;
        }

        details.Processes.AddRange(source.Processes.Select(p => new ProcessEntry
        {
            Pid = p.Pid,
            Ppid = p.Ppid,
            HostPid = p.HostPid,
            Args = { p.CommandLine },
            Command = p.CommandLine.Count > 0 ? Path.GetFileName(p.CommandLine[0]) : string.Empty,
        }));
        details.Files.AddRange(manifest.Files.Select(f => new FileEntry
        {
            Path = f.Path, SizeBytes = f.Size, Sha256 = f.Sha256 ?? string.Empty, ChunkSizeBytes = f.ChunkSize ?? 0, ChunkSha256 = { f.ChunkSha256 ?? [] },
            Compression = f.Compression ?? string.Empty, PlainSizeBytes = f.PlainSize ?? 0,
            DigestAlgorithm = f.DigestAlgorithm ?? string.Empty,
        }));
        return details;
    }

    /// <summary>The outcome a stored checkpoint stands for (answering a repeated operation after a restart).</summary>
    public static CheckpointOutcome ToOutcome(CheckpointRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var manifest = record.Manifest;
        return new(
            record.Key.Namespace, record.Key.Name, record.Location, Store.StoredSizes.LogicalBytes(record.SizeBytes, manifest),
            Span(manifest.Timings.FreezeMs), Span(manifest.Timings.DumpMs), Span(manifest.Timings.TotalMs),
            manifest.ProcessCount, manifest.Criu.Version, manifest.MemoryPagesBytes, manifest.CreatedAt)
        {
            StoredBytes = record.SizeBytes,
            Parent = manifest.Increment?.Parent.Name,
            ChainLength = manifest.Increment?.ChainLength ?? 1,
            IncrementMethod = manifest.Increment?.Method,
            Compression = manifest.Options.Compression,
            FlatCopyBytes = record.FlatCopyBytes,
        };
    }

    // Through TimeSpan, as a fresh outcome's timings are, so a listed checkpoint and its first result round alike.
    private static TimeSpan Span(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private static CheckpointTimings Timings(TimeSpan freeze, TimeSpan dump, TimeSpan total) => new()
    {
        FreezeMs = Ms(freeze),
        DumpMs = Ms(dump),
        TotalMs = Ms(total),
    };

    /// <summary>A restore's timings, with the engine's steps where it reports them.</summary>
    private static RestoreTimings Timings(RestoreOutcome outcome)
    {
        var timings = new RestoreTimings { VerifyMs = Ms(outcome.Verify), RestoreMs = Ms(outcome.Restore), TotalMs = Ms(outcome.Total) };
        if (outcome.Steps is { } steps)
        {
            timings.TargetMs = Ms(steps.Target);
            timings.FilesMs = Ms(steps.Filesystem);
            timings.FilesWaitMs = Ms(steps.FilesWait);
            timings.PrepareMs = Ms(steps.Prepare);
            timings.VerifyWaitMs = Ms(steps.VerifyWait);
            timings.HandoffMs = Ms(steps.Handoff);
        }
        return timings;
    }

    private static long Ms(TimeSpan value) => (long)Math.Round(value.TotalMilliseconds);

    /// <summary>A preflight's requirements as the caller sent them.</summary>
    public static Preflight.RestoreRequirements ToRequirements(Contracts.Agent.V1.RestoreRequirements requirements) =>
        new(requirements.CriuVersion, requirements.KernelRelease, [.. requirements.Features],
            requirements.Cpuinfo.Memory, requirements.SourceNode)
        {
            Image = requirements.Image,
        };

    /// <summary>A preflight's verdict on the wire.</summary>
    public static PreflightResponse ToResponse(Preflight.PreflightVerdict verdict, string nodeName)
    {
        var response = new PreflightResponse
        {
            CanRestore = verdict.CanRestore,
            NodeName = nodeName,
            CriuVersion = verdict.CriuVersion,
            KernelRelease = verdict.KernelRelease,
        };
        response.Gaps.AddRange(verdict.Gaps.Select(gap => new Contracts.Agent.V1.PreflightGap
        {
            Kind = gap.Kind, Name = gap.Name, Required = gap.Required, Found = gap.Found, Message = gap.Message,
        }));
        response.Unchecked.AddRange(verdict.Unchecked);
        return response;
    }
}
