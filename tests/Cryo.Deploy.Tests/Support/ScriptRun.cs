using System.ComponentModel;
using System.Diagnostics;

namespace Cryo.Deploy.Tests.Support;

/// <summary>What a finished program printed and how it exited.</summary>
public sealed record ScriptResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Non-empty lines of standard error.</summary>
    public IReadOnlyList<string> ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Everything, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs a program (a repository script, shellcheck) with a chosen environment and a deadline.</summary>
public static class ScriptRun
{
    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>, standard input closed.</summary>
    /// <param name="program">The program: a path, or a name looked up on the environment's PATH.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="environment">Variables to set (a null value removes the variable).</param>
    /// <param name="deadline">How long it may run before it is killed and the run fails.</param>
    /// <exception cref="InvalidOperationException">The program is missing or did not finish in time.</exception>
    public static async Task<ScriptResult> RunAsync(
        string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan deadline)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot.Path,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{program} could not be started: {e.Message}", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(deadline);
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                throw new InvalidOperationException(
                    $"{program} {string.Join(' ', start.ArgumentList)} did not finish within {deadline}:\n{await stdout}\n{await stderr}");
            }

            return new ScriptResult(process.ExitCode, await stdout, await stderr);
        }
    }
}
