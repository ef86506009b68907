using System.Diagnostics;

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
        var start = new ProcessStartInfo("nsenter")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in NamespaceEntry.Nsenter(tree.InitPid, [NamespaceKind.Uts]).Skip(1))
        {
            start.ArgumentList.Add(arg);
        }
        start.ArgumentList.Add("cat");
        start.ArgumentList.Add("/proc/sys/kernel/hostname");
        using var process = Process.Start(start);
        if (process is null)
        {
            return null;
        }
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return process.ExitCode == 0 ? output.Trim() : null;
    }
}
