using System.Diagnostics;

namespace Cryo.Testing;

/// <summary>Runs a system program (mount, mknod, tar, gcc…) for a test and fails with its output if it fails.</summary>
public static class Command
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Runs <paramref name="program"/>; throws if it exits non-zero or runs past a minute.</summary>
    public static void Run(string program, params string[] arguments) => Output(program, arguments);

    /// <summary>Runs <paramref name="program"/> and returns its stdout; throws if it exits non-zero or runs past a minute.</summary>
    /// <exception cref="TimeoutException">It ran past a minute (it is killed).</exception>
    /// <exception cref="InvalidOperationException">It exited non-zero; the message has the command and its output.</exception>
    public static string Output(string program, params string[] arguments) =>
        OutputAsync(program, arguments, DefaultTimeout, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Runs <paramref name="program"/> and returns its stdout; throws if it exits non-zero or runs past <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">It ran past <paramref name="timeout"/> (it is killed).</exception>
    /// <exception cref="InvalidOperationException">It exited non-zero; the message has the command and its output.</exception>
    public static async Task<string> OutputAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var args = arguments.ToArray();
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{program} did not finish within {timeout.TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {await output}{await errors}");
        }

        return await output;
    }

    /// <summary>Runs <paramref name="program"/> and returns its stdout, bounded by a minute.</summary>
    public static Task<string> OutputAsync(string program, params string[] arguments) =>
        OutputAsync(program, arguments, DefaultTimeout, CancellationToken.None);
}
