namespace Cryo.Agent.Recovery;

/// <summary>What <see cref="InterruptedDumpRecovery"/> did for one interrupted dump.</summary>
/// <param name="CriuKilled">The PIDs of the CRIU processes (and their launchers) still dumping, killed first.</param>
/// <param name="NetworkLock">The release of the network lock, or null when the dump did not lock the network.</param>
/// <param name="Thaw">What became of the tree's freezer.</param>
public sealed record InterruptedDumpRecoveryResult(IReadOnlyList<int> CriuKilled, NetworkLockReleaseResult? NetworkLock, ThawStatus Thaw);
