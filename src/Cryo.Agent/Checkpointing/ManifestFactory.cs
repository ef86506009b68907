using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Containers;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu;
using Cryo.Criu.Images;

namespace Cryo.Agent.Checkpointing;

/// <summary>Turns what the checkpoint engine learned into the manifest committed beside the images.</summary>
public static class ManifestFactory
{
    /// <summary>Builds the manifest of a finished dump.</summary>
    public static CheckpointManifest Create(
        CheckpointKey key, ResolvedContainer tree, DumpPlan plan, CheckpointCommand command,
        IReadOnlyList<ManifestFile> files, DumpResult dump, CriuVersion criuVersion, string nodeName, string? hostname, string? terminalKey, long startedTimestamp)
    {
        var manifest = new CheckpointManifest
        {
            Key = key,
            CreatedAt = DateTimeOffset.UtcNow,
            Source = Source(tree, plan, hostname, terminalKey),
            Criu = new ManifestCriu { Version = criuVersion.ToString(), KernelRelease = CriuFacts.KernelRelease },
            Options = new ManifestOptions
            {
                LeaveRunning = plan.Options.LeaveRunning,
                TcpEstablished = plan.Options.TcpEstablished,
                FileLocks = plan.Options.FileLocks,
                ShellJob = plan.Options.ShellJob,
                SkipRootFilesystem = command.SkipRootFilesystem,
                // The engine stops every tree that has a freezer before CRIU starts (or finds it paused).
                FrozenBeforeDump = plan.Freezer is { IsUnified: false },
                Externals = [.. plan.Options.External],
            },
            Files = [.. files],
            ProcessCount = tree.Processes.Count,
            MemoryPagesBytes = files.Where(f => CriuImageFiles.IsPagesImage(Path.GetFileName(f.Path))).Sum(f => f.Size),
            Timings = new ManifestTimings
            {
                // The pause the workload saw: from the engine's freeze to its thaw, else as CRIU measured it;
                // without either, the whole run.
                FreezeMs = (dump.Frozen ?? dump.Statistics?.FrozenTime ?? dump.Duration).TotalMilliseconds,
                DumpMs = dump.Duration.TotalMilliseconds,
                TotalMs = Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds,
            },
        };
        ManifestExtraKeys.Record(manifest.Extra, command.Workload, nodeName, command.ParentCheckpoint);
        manifest.Extra["freezer"] = plan.Freezer?.Directory ?? "ptrace";
        return manifest;
    }

    private static ManifestSource Source(ResolvedContainer tree, DumpPlan plan, string? hostname, string? terminalKey)
    {
        var root = tree.Processes.FirstOrDefault(p => p.HostPid == tree.InitPid);
        return new ManifestSource
        {
            Kind = tree.Kind == ContainerKind.FullContainer ? CheckpointSourceKind.Container : CheckpointSourceKind.Process,
            HostPid = tree.InitPid,
            InNamespacePid = tree.InNamespacePid,
            ContainerId = tree.ContainerId,
            Namespaces = tree.Namespaces.ToDictionary(n => NamespaceKinds.FileName(n.Key), n => n.Value.Inode.ToString(CultureInfo.InvariantCulture)),
            OwnNamespaces = [.. tree.Namespaces.Where(n => !n.Value.SharedWithAgent).Select(n => NamespaceKinds.FileName(n.Key)).Order(StringComparer.Ordinal)],
            Cgroups = [.. tree.Cgroups.Select(c => new ManifestCgroup { Hierarchy = c.HierarchyId, Controllers = string.Join(',', c.Controllers), Path = c.Path })],
            Mounts = [.. tree.Mounts.Select(m => new ManifestMount
            {
                MountId = m.MountId, ParentId = m.ParentId, Root = m.Root, MountPoint = m.MountPoint,
                FsType = m.FilesystemType, Source = m.Source, Options = m.MountOptions, Propagation = MountSharing.Describe(m),
            })],
            ExternalMounts = plan.Externals.ToDictionary(e => e.Key, e => e.MountPoint),
            ExternalSources = plan.Externals.Where(e => e.HostSource is not null).ToDictionary(e => e.Key, e => e.HostSource!),
            RootPath = tree.SharesHostMountNamespace ? null : tree.RootPath,
            Hostname = hostname,
            Processes = [.. tree.Processes.Select(p => new ManifestProcess
            {
                Pid = p.InNamespacePid,
                HostPid = p.HostPid,
                Ppid = tree.Processes.FirstOrDefault(q => q.HostPid == p.ParentHostPid)?.InNamespacePid ?? 0,
                CommandLine = [.. p.CommandLine],
            })],
            // Read at resolution, before the dump: a dump without leaveRunning ends the tree.
            StdoutIdentity = tree.StdioTargets.GetValueOrDefault(1),
            StderrIdentity = tree.StdioTargets.GetValueOrDefault(2),
            HasControllingTerminal = tree.HasControllingTerminal || (root?.TtyNumber ?? 0) != 0,
            TerminalKey = terminalKey,
        };
    }
}
