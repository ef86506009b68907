using Cryo.Agent.Cgroups;
using Cryo.Agent.Containers;
using Cryo.Agent.Operations;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Options;
using Cryo.Criu.Running;

namespace Cryo.Agent.Checkpointing;

/// <summary>How one tree is dumped: CRIU's options, how CRIU is started, and what must be undone on failure.</summary>
/// <param name="Options">CRIU's dump options.</param>
/// <param name="Launch">How CRIU is started (inside the tree's network, UTS and IPC namespaces).</param>
/// <param name="Externals">The mounts declared external, with their keys.</param>
/// <param name="Freezer">The cgroup freezer CRIU stops the tree with, or null when it seizes tasks one by one.</param>
public sealed record DumpPlan(DumpOptions Options, CriuLaunch Launch, IReadOnlyList<ExternalMountKey> Externals, CgroupFreezer? Freezer)
{
    /// <summary>Plans the dump of a resolved tree into an images directory.</summary>
    /// <param name="tree">The resolved tree.</param>
    /// <param name="command">What was asked.</param>
    /// <param name="imagesDirectory">Where CRIU writes.</param>
    /// <param name="sessionOutsideTree">
    /// The root's session leader is not in the tree (started without setsid): only a shell job dumps.
    /// </param>
    /// <param name="memoryTracking">CRIU can track memory here: every dump starts tracking, so any checkpoint can be a parent of CRIU's own kind.</param>
    /// <param name="increment">How the checkpoint builds on a parent, or null: by CRIU's tracking it dumps against the parent's images.</param>
    public static DumpPlan For(ResolvedContainer tree, CheckpointCommand command, string imagesDirectory, bool sessionOutsideTree,
        bool memoryTracking = false, IncrementPlan? increment = null)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(command);
        var externals = tree.SharesHostMountNamespace ? [] : ExternalMountKey.For(tree);
        var freezer = CgroupFreezer.For(tree.Cgroups);
        var options = new DumpOptions
        {
            ImagesDirectory = imagesDirectory,
            Pid = tree.InitPid,
            LeaveRunning = command.LeaveRunning,
            TcpEstablished = command.TcpEstablished,
            FileLocks = command.FileLocks,
            // A tree with a controlling terminal can only be dumped and restored as a shell job; the
            // manifest records it so restore applies the same flag.
            ShellJob = tree.HasControllingTerminal || sessionOutsideTree,
            ManageCgroups = true,
            FreezeCgroup = freezer?.Directory,
            External = externals.Select(e => e.DumpArgument).ToList(),
            DisplayStats = false,
            TrackMem = memoryTracking,
            // Not --auto-dedup: it would punch the superseded pages out of the parent, whose checksums are committed.
            PrevImagesDirectory = increment is { Method: ManifestIncrement.CriuMemoryTracking }
                ? Path.GetRelativePath(imagesDirectory, increment.Parent.ImagesDirectory)
                : null,
        };
        var launch = new CriuLaunch { Prefix = NamespaceEntry.IntoSandboxOf(tree) };
        return new DumpPlan(options, launch, externals, freezer);
    }
}
