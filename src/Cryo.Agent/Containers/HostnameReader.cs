namespace Cryo.Agent.Containers;

/// <summary>
/// Reads a tree's host name. /proc shows the reader's own UTS namespace, so the name is read by a child
/// that enters the tree's UTS namespace first.
/// </summary>
public static class HostnameReader
{
    /// <summary>The tree's host name, or null when it cannot be read (the tree is gone).</summary>
    public static async Task<string?> ReadAsync(ResolvedContainer tree, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tree);
        if (!tree.Namespaces.TryGetValue(NamespaceKind.Uts, out var uts) || uts.SharedWithAgent)
        {
            return Environment.MachineName;
        }
        var (exitCode, output, _) = await ShortCommand.RunAsync(
            [.. NamespaceEntry.Nsenter(tree.InitPid, [NamespaceKind.Uts]), "cat", "/proc/sys/kernel/hostname"], Timeout.InfiniteTimeSpan, cancellationToken);
        return exitCode == 0 ? output.Trim() : null;
    }
}
