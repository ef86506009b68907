namespace Cryo.Agent.Operations;

/// <summary>A restored tree, as the restore engine reports it.</summary>
/// <param name="HostPid">Host PID of the restored root.</param>
/// <param name="NamespacePid">The restored root's PID in its own (innermost) PID namespace.</param>
/// <param name="Verify">Verifying the manifest and checksums.</param>
/// <param name="Restore">CRIU's restore.</param>
/// <param name="Total">The whole operation.</param>
public sealed record RestoreOutcome(int HostPid, int NamespacePid, TimeSpan Verify, TimeSpan Restore, TimeSpan Total);
