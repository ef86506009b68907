using System.Diagnostics;

namespace Cryo.Agent.Containers;

/// <summary>
/// Runs a short-lived host tool (<c>nsenter</c>, <c>nft</c>) to its end and collects what it printed. CRIU itself
/// runs through the CRIU layer, which also bounds and kills it.
/// </summary>
public static class ShortCommand
{
    /// <summary>Runs <paramref name="argv"/>; one still running at <paramref name="deadline"/> is killed with its children.</summary>
    /// <param name="argv">The program and its arguments.</param>
    /// <param name="deadline">How long it may run (<see cref="Timeout.InfiniteTimeSpan"/>: as long as the token allows).</param>
    /// <param name="cancellationToken">Cancels the wait (an <see cref="OperationCanceledException"/>).</param>
    /// <returns>Its exit code, its standard output, its standard error trimmed; -1 and why when the deadline passed.</returns>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyList<string> argv, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(argv);
        var start = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{argv[0]} did not start");
        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        expiry.CancelAfter(deadline);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(expiry.Token);
            var error = process.StandardError.ReadToEndAsync(expiry.Token);
            await process.WaitForExitAsync(expiry.Token);
            return (process.ExitCode, await output, (await error).Trim());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return (-1, string.Empty, $"no answer within {deadline.TotalSeconds:0} s");
        }
    }
}
