using System.Diagnostics;

namespace Cryo.Agent.Tests.Filesystem;

/// <summary>Runs a system command (mount, mknod, setfattr…) and fails the test with its output if it fails.</summary>
internal static class Command
{
    public static void Run(string program, params string[] arguments) => Output(program, arguments);

    public static string Output(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            throw new TimeoutException($"{program} did not finish within a minute");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {output.Result}{errors}");
        }

        return output.Result;
    }
}
