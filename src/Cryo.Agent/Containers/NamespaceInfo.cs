namespace Cryo.Agent.Containers;

/// <summary>One namespace of a resolved process tree.</summary>
/// <param name="Kind">Which namespace.</param>
/// <param name="Inode">The namespace's inode number (the N in <c>net:[N]</c>), its identity on this node.</param>
/// <param name="SharedWithAgent">
/// <see langword="true"/> when the agent itself is in the same namespace: CRIU then leaves it out of the
/// images, and a restore simply stays in whatever namespace CRIU runs in.
/// </param>
public sealed record NamespaceInfo(NamespaceKind Kind, ulong Inode, bool SharedWithAgent);
