using System.Diagnostics;

namespace Cryo.Agent.Tests.Support;

/// <summary>What nftables holds in a process's network namespace, read with <c>nsenter … nft</c>.</summary>
public static class NftTables
{
    /// <summary>The names of the <c>inet</c> tables in the network namespace of <paramref name="pid"/>.</summary>
    public static async Task<IReadOnlyList<string>> InetTablesOfAsync(int pid)
    {
        var start = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-t", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--net", "--", "nft", "list", "tables", "inet" })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"nft list tables in the network namespace of {pid} failed ({process.ExitCode}): {error}");
        }
        // "table inet NAME", one per line.
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ')[^1])
            .ToList();
    }
}
