using System.ComponentModel;
using System.Diagnostics;

namespace Cryo.Deploy.Tests.Support;

/// <summary>Runs the kubectl client (no cluster needed) for `kubectl kustomize`.</summary>
public static class Kubectl
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    /// <summary>Renders the kustomization in <paramref name="directory"/> and returns the YAML stream.</summary>
    /// <exception cref="InvalidOperationException">kubectl is missing, failed, or did not finish in time.</exception>
    public static async Task<string> KustomizeAsync(string directory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                "kubectl is not on PATH: these tests render config/ with `kubectl kustomize` (the client alone, no cluster)", e);
        }

        using (process)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Deadline);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"kubectl kustomize {directory} did not finish within {Deadline}");
            }

            var output = await stdout;
            var errors = await stderr;
            return process.ExitCode == 0
                ? output
                : throw new InvalidOperationException($"kubectl kustomize {directory} exited {process.ExitCode}: {errors.Trim()}");
        }
    }
}
