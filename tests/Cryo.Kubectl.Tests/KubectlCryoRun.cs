using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Cryo.Kubectl.Tests;

/// <summary>
/// Runs the built kubectl-cryo as a person's shell would, with only the environment given: the JIT build by default,
/// or the Native AOT executable named by <c>CRYO_KUBECTL_CRYO</c> (what hack/install-kubectl-cryo.sh installs), to check
/// that trimming and AOT left every command working.
/// </summary>
public static class KubectlCryoRun
{
    private static readonly string Configuration =
        typeof(KubectlCryoRun).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>The plugin's build output (the test project builds it first; it is not referenced).</summary>
    public static string Dll { get; } = Path.Combine(RepoRoot(), "src", "Cryo.Kubectl", "bin", Configuration, "net10.0", "kubectl-cryo.dll");

    /// <summary>What a run printed and how it ended.</summary>
    public sealed record Result(int Code, string Out, string Error)
    {
        /// <summary>Standard output as JSON.</summary>
        public JsonElement Json()
        {
            Assert.True(Code == 0, $"kubectl-cryo exited {Code}: {Error}");
            using var document = JsonDocument.Parse(Out);
            return document.RootElement.Clone();
        }
    }

    /// <summary>Starts a run; await it later (for --wait, while the test plays the operator).</summary>
    public static Task<Result> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] args) => RunAsync(environment, args);

    /// <summary>Runs <c>kubectl cryo ARGS</c> to its end (at most a minute).</summary>
    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var native = Environment.GetEnvironmentVariable("CRYO_KUBECTL_CRYO");
        var start = new ProcessStartInfo(native ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (native is null)
        {
            start.ArgumentList.Add(Dll);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing of the test runner's own kubeconfig leaks in.
        start.Environment.Remove("KUBECONFIG");
        start.Environment["HOME"] = "/nonexistent-home";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl-cryo {string.Join(' ', args)} ran for a minute: {await error}");
        }

        return new Result(process.ExitCode, await output, await error);
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Operator.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"no Operator.sln above {AppContext.BaseDirectory}");
    }
}
