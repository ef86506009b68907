// Start-up of the commands people type, as they type them: kubectl-cryo (--help, and ls against an API server with
// 20 Checkpoints) and cryo --help, each as a Native AOT executable and as the JIT-started .NET program, side by side
// in one run. Medians of --runs starts after one warm-up start each. One JSON object per line on stdout.
using System.Diagnostics;
using System.Globalization;
using Cryo.Api;
using Cryo.Testing.Kubernetes;
using k8s;
using k8s.Models;

var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a, p => p.i + 1 < args.Length ? args[p.i + 1] : "", StringComparer.Ordinal);
string Option(string name) => options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"{name} is required");
var runs = options.TryGetValue("--runs", out var r) ? int.Parse(r, CultureInfo.InvariantCulture) : 21;

await using var api = await TestApiServer.StartAsync();
using var client = api.CreateClient();
for (var i = 0; i < 20; i++)
{
    await client.CustomObjects.CreateNamespacedCustomObjectAsync(new Checkpoint
    {
        ApiVersion = CryoNames.ApiVersion,
        Kind = "Checkpoint",
        Metadata = new V1ObjectMeta { Name = $"web-{i}", NamespaceProperty = "default" },
        Spec = new CheckpointSpec { PodName = "web" },
    }, CryoNames.Group, CryoNames.Version, "default", Checkpoint.Plural);
}

var kubeconfig = Path.Combine(Directory.CreateTempSubdirectory("cryo-cli-bench-").FullName, "config");
await File.WriteAllTextAsync(kubeconfig, $"""
    apiVersion: v1
    kind: Config
    clusters:
    - name: bench
      cluster:
        server: {api.BaseAddress}
    users:
    - name: bench
      user:
        token: bench
    contexts:
    - name: bench
      context:
        cluster: bench
        user: bench
        namespace: default
    current-context: bench
    """);

var cases = new (string Metric, string[] Aot, string[] Jit)[]
{
    ("kubectl_cryo_help", [Option("--kubectl-cryo"), "--help"], ["dotnet", Option("--kubectl-cryo-dll"), "--help"]),
    ("kubectl_cryo_ls", [Option("--kubectl-cryo"), "ls", "--kubeconfig", kubeconfig], ["dotnet", Option("--kubectl-cryo-dll"), "ls", "--kubeconfig", kubeconfig]),
    ("cryo_help", [Option("--cryo"), "--help"], ["dotnet", Option("--cryo-dll"), "--help"]),
};
foreach (var (metric, aot, jit) in cases)
{
    // Interleaved, so a busy moment of the machine falls on both.
    var aotTimes = new List<double>();
    var jitTimes = new List<double>();
    Time(aot);
    Time(jit);
    for (var i = 0; i < runs; i++)
    {
        aotTimes.Add(Time(aot));
        jitTimes.Add(Time(jit));
    }

    var aotMedian = Median(aotTimes);
    var jitMedian = Median(jitTimes);
    Emit($"{metric}_native_ms", aotMedian, "ms");
    Emit($"{metric}_jit_ms", jitMedian, "ms");
    Emit($"{metric}_native_vs_jit_ratio", aotMedian / jitMedian, "ratio");
}

static double Time(string[] command)
{
    var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var arg in command.Skip(1))
    {
        start.ArgumentList.Add(arg);
    }

    var clock = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    process.StandardOutput.ReadToEnd();
    var error = process.StandardError.ReadToEnd();
    process.WaitForExit();
    var elapsed = clock.Elapsed.TotalMilliseconds;
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{string.Join(' ', command)} exited {process.ExitCode}: {error}");
    }

    return elapsed;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

static void Emit(string metric, double value, string unit) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $$"""{"metric": "{{metric}}", "value": {{value:0.###}}, "unit": "{{unit}}"}"""));
