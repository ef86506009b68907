// Creates N Checkpoints at once against the test API server, with the real operator binary running as a child
// process and fast in-process agents, and prints how long until all Succeeded and the operator's peak RSS.
using System.Diagnostics;
using System.Globalization;
using Cryo.Api;
using Cryo.Testing;
using Cryo.Testing.Agents;
using Cryo.Testing.Kubernetes;
using Cryo.Testing.Kubernetes.Cluster;
using k8s;
using k8s.Models;

var operatorDll = args.Length > 0 ? args[0] : throw new ArgumentException("usage: OperatorBench OPERATOR_DLL [COUNT]");
var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
const string ns = "bench";
string[] nodes = ["node-1", "node-2", "node-3", "node-4"];
const int podsPerNode = 25;

await using var api = await TestApiServer.StartAsync(new TestApiServerOptions { HistoryLimit = 50_000 });
using var client = api.CreateClient("bench");
var kubelet = new FakeKubelet(client);
var agents = new List<FakeAgentServer>();
foreach (var node in nodes)
{
    var agent = await FakeAgentServer.StartAsync(node);
    agents.Add(agent);
    await kubelet.AgentPodAsync(node, agent.Port);
    for (var i = 0; i < podsPerNode; i++)
    {
        await kubelet.RunPodAsync(ns, $"{node}-pod-{i}", node);
    }
}

var kubeconfig = Path.Combine(Path.GetTempPath(), $"cryo-bench-{Environment.ProcessId}.kubeconfig");
await File.WriteAllTextAsync(kubeconfig, $"""
    apiVersion: v1
    kind: Config
    clusters: [{"{"}name: bench, cluster: {"{"}server: "{api.BaseAddress.ToString().TrimEnd('/')}"{"}"}{"}"}]
    users: [{"{"}name: bench, user: {"{"}token: bench{"}"}{"}"}]
    contexts: [{"{"}name: bench, context: {"{"}cluster: bench, user: bench{"}"}{"}"}]
    current-context: bench
    """);
var start = new ProcessStartInfo("dotnet", [operatorDll, "--urls", "http://127.0.0.1:0"])
{
    RedirectStandardOutput = true,
    RedirectStandardError = true,
    Environment =
    {
        ["KUBECONFIG"] = kubeconfig,
        ["KUBERNETES_SERVICE_HOST"] = "",
        ["Operator__Tls__Enabled"] = "false",
        ["Operator__AgentNamespace"] = FakeKubelet.AgentNamespace,
        ["Operator__AgentLabelSelector"] = FakeKubelet.AgentSelector,
        ["Operator__LeaderElection__Enabled"] = "false",
        ["Operator__Workers"] = "16",
        ["Logging__LogLevel__Default"] = "Warning",
    },
};

// The environment the operator image sets (hack/bench-operator.sh reads it from the Dockerfile), so the figure is
// the deployed operator's; the benchmark's own process keeps the defaults.
foreach (var setting in (Environment.GetEnvironmentVariable("CRYO_BENCH_OPERATOR_ENV") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
{
    var (name, value) = (setting[..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
    start.Environment[name] = value;
}

using var operatorProcess = Process.Start(start)!;
var log = new System.Text.StringBuilder();
operatorProcess.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
operatorProcess.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
operatorProcess.BeginOutputReadLine();
operatorProcess.BeginErrorReadLine();
try
{
    // Let the operator come up and sync its (empty) watches, so the figure is about reconciling.
    await Eventually.TrueAsync(() => !operatorProcess.HasExited ? api.Requests.Any(r => r.Query.Contains("watch=true") && r.Path.EndsWith("/checkpoints"))
            : throw new InvalidOperationException($"the operator exited with status {operatorProcess.ExitCode}"),
        "the operator watches Checkpoints", TimeSpan.FromSeconds(60));

    var clock = Stopwatch.StartNew();
    var pods = nodes.SelectMany(n => Enumerable.Range(0, podsPerNode).Select(i => $"{n}-pod-{i}")).ToArray();
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, token) =>
        await client.CustomObjects.CreateNamespacedCustomObjectAsync<Checkpoint>(
            new Checkpoint { Metadata = new V1ObjectMeta { Name = $"ckpt-{i}", NamespaceProperty = ns }, Spec = new CheckpointSpec { PodName = pods[i % pods.Length] } },
            CryoNames.Group, CryoNames.Version, ns, Checkpoint.Plural, cancellationToken: token));

    var succeeded = 0;
    await Eventually.TrueAsync(async () =>
    {
        var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<CheckpointList>(CryoNames.Group, CryoNames.Version, ns, Checkpoint.Plural);
        var failed = list.Items.FirstOrDefault(c => c.Status?.Phase == Phase.Failed);
        if (failed is not null)
        {
            throw new InvalidOperationException($"Checkpoint {failed.Metadata.Name} failed: {failed.Status!.Message}");
        }

        succeeded = list.Items.Count(c => c.Status?.Phase == Phase.Succeeded);
        return succeeded == count;
    }, $"all {count} Checkpoints succeed", TimeSpan.FromMinutes(10));
    var seconds = clock.Elapsed.TotalSeconds;
    var peakKib = PeakRssKib(operatorProcess.Id);
    var dumps = agents.Sum(a => a.Engine.Dumps);
    Console.WriteLine(FormattableString.Invariant(
        $$"""{"metric":"operator_{{count}}_checkpoints_seconds","value":{{seconds:F2}},"unit":"s","target":60,"checkpoints":{{count}},"agent_dumps":{{dumps}},"nodes":{{nodes.Length}},"workers":16}"""));
    Console.WriteLine(FormattableString.Invariant(
        $$"""{"metric":"operator_peak_rss_mib","value":{{peakKib / 1024.0:F1}},"unit":"MiB","target":150,"source":"VmHWM of the operator process"}"""));
}
catch
{
    lock (log)
    {
        Console.Error.WriteLine(log.ToString());
    }

    throw;
}
finally
{
    operatorProcess.Kill(entireProcessTree: true);
    await operatorProcess.WaitForExitAsync();
    File.Delete(kubeconfig);
    foreach (var agent in agents)
    {
        await agent.DisposeAsync();
    }
}

static long PeakRssKib(int pid) =>
    File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).Single();
