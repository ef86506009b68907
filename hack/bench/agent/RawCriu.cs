using System.Diagnostics;
using Cryo.Criu.Running;

namespace Cryo.Bench.Agent;

/// <summary>Runs a CRIU command line as it is, timing from process start to exit: the baseline the engine is compared with.</summary>
public static class RawCriu
{
    public static async Task<TimeSpan> RunAsync(IReadOnlyList<string> argv, string logPath, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in argv.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var process = new Process { StartInfo = startInfo };
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var elapsed = stopwatch.Elapsed;
        if (process.ExitCode != 0)
        {
            var tail = await Task.WhenAny(error, Task.Delay(2000, cancellationToken)) == error ? await error : "";
            throw new CriuException("raw", process.ExitCode, logPath, "", tail,
                $"raw criu failed (exit {process.ExitCode}): {string.Join(' ', argv)}; stderr: {tail.Trim()} (log: {logPath})");
        }
        _ = output;
        return elapsed;
    }
}
