using System.Diagnostics;

namespace Cryo.Testing.Node;

/// <summary>Runs a host program (mount, ip, ctr, gcc…) for the node harness, bounded by a timeout.</summary>
internal static class HostCommand
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="file"/> and returns its stdout.</summary>
    /// <exception cref="NodeSetupException">It exited non-zero or ran past the timeout; the message names the command and shows its stderr.</exception>
    public static async Task<string> RunAsync(string file, IEnumerable<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var args = arguments.ToArray();
        var command = $"{file} {string.Join(' ', args)}";
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new NodeSetupException($"could not start {command}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new NodeSetupException($"{command} did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
        {
            throw new NodeSetupException($"{command} exited {process.ExitCode}: {(await stderr).Trim()}");
        }

        return await stdout;
    }

    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/>.</summary>
    public static Task<string> RunAsync(string file, params string[] arguments) =>
        RunAsync(file, arguments, CancellationToken.None);
}
