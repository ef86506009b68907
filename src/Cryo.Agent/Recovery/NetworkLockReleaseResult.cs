using Cryo.Criu.Network;

namespace Cryo.Agent.Recovery;

/// <summary>What <see cref="NetworkLockRelease"/> found and did.</summary>
/// <param name="Status">The outcome.</param>
/// <param name="Table">CRIU's lock table, when CRIU's log named it.</param>
/// <param name="Detail">One sentence for a log or an operation's message; for a failure, with the command that fixes it.</param>
/// <param name="SocketsResumed">How many of the tree's TCP sockets were taken out of repair mode.</param>
public sealed record NetworkLockReleaseResult(NetworkLockReleaseStatus Status, NetworkLockTable? Table, string Detail, int SocketsResumed = 0);
