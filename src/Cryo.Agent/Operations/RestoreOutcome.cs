namespace Cryo.Agent.Operations;

/// <summary>A restored tree, as the restore engine reports it.</summary>
/// <param name="HostPid">Host PID of the restored root.</param>
/// <param name="NamespacePid">The restored root's PID in its own (innermost) PID namespace.</param>
/// <param name="Verify">Verifying the manifest and checksums.</param>
/// <param name="Restore">CRIU's restore.</param>
/// <param name="Total">The whole operation.</param>
public sealed record RestoreOutcome(int HostPid, int NamespacePid, TimeSpan Verify, TimeSpan Restore, TimeSpan Total)
{
    /// <summary>Whether the tree's memory is being served lazily (it keeps arriving after the restore returned).</summary>
    public bool Lazy { get; init; }

    /// <summary>Why a lazy restore was asked for and an eager one done instead; null otherwise.</summary>
    public string? LazyFallbackReason { get; init; }

    /// <summary>Where the time went, step by step; null from engines that do not say.</summary>
    public RestoreSteps? Steps { get; init; }

    /// <summary>The restore's own directory on the node (CRIU's log; a standalone copy's output; a lazy transfer's files).</summary>
    public string? WorkDirectory { get; init; }
}
