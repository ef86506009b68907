using Cryo.Operator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Cryo.Operator.Tests;

/// <summary>
/// A test cluster: the loopback API server, one in-process gRPC agent per node (with its agent pod), a
/// fake kubelet, and operator replicas built by the real <see cref="OperatorApp"/> with short timings.
/// Everything started is stopped on dispose.
/// </summary>
public sealed class OperatorHarness : IAsyncDisposable
{
    public const string Ns = "apps";

    private readonly List<WebApplication> operators = [];

    private OperatorHarness(TestApiServer api, Kubernetes client, TimeProvider clock)
    {
        Api = api;
        Clock = clock;
        Client = client;
        Kubelet = new FakeKubelet(client);
    }

    public TestApiServer Api { get; }

    /// <summary>The clock of the API server and of every operator replica (the system's unless the test brought its own).</summary>
    public TimeProvider Clock { get; }

    public Kubernetes Client { get; }

    public FakeKubelet Kubelet { get; }

    public Dictionary<string, FakeAgentServer> Agents { get; } = [];

    public static Task<OperatorHarness> StartAsync(params string[] nodes) => StartAsync(TimeProvider.System, nodes);

    /// <summary>A cluster whose API server and operators tell time by <paramref name="clock"/>.</summary>
    public static async Task<OperatorHarness> StartAsync(TimeProvider clock, params string[] nodes)
    {
        var api = await TestApiServer.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(500), Clock = clock });
        var harness = new OperatorHarness(api, api.CreateClient("test"), clock);
        foreach (var node in nodes)
        {
            var agent = await FakeAgentServer.StartAsync(node);
            harness.Agents[node] = agent;
            await harness.Kubelet.AgentPodAsync(node, agent.Port);
        }

        return harness;
    }

    /// <summary>
    /// Where most Restore tests begin: nodes "node-1" and <paramref name="secondNode"/>, pod "web" running on node-1, an
    /// operator replica started, and Checkpoint "web-1" of the pod Succeeded. Returns the cluster and the replica.
    /// </summary>
    public static async Task<(OperatorHarness Cluster, WebApplication Operator)> StartWithCheckpointAsync(string secondNode = "node-2")
    {
        var cluster = await StartAsync("node-1", secondNode);
        await cluster.Kubelet.RunPodAsync(Ns, "web", "node-1");
        var replica = await cluster.StartOperatorAsync();
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "succeeded");
        return (cluster, replica);
    }

    /// <summary>
    /// Starts an operator replica; <paramref name="identity"/> also tags its API requests (unless the test brings
    /// its own <paramref name="client"/>, e.g. one whose handler holds some requests).
    /// </summary>
    public async Task<WebApplication> StartOperatorAsync(string identity = "operator-1", bool leaderElection = false, IDictionary<string, string?>? settings = null,
        IKubernetes? client = null)
    {
        var config = QuickOperatorSettings.Create();
        foreach (var (k, v) in new Dictionary<string, string?>
        {
            ["Operator:Tls:Enabled"] = "false",
            ["Operator:PlaceholderImage"] = "cryo/agent:test",
            ["Operator:WatchTimeout"] = "00:00:30",
            ["Operator:PlaceholderRecheckInterval"] = "00:00:00.500",
            ["Operator:LeaderElection:Enabled"] = leaderElection ? "true" : "false",
            ["Operator:LeaderElection:LeaseNamespace"] = FakeKubelet.AgentNamespace,
            ["Operator:LeaderElection:LeaseName"] = "cryo-operator",
            ["Operator:LeaderElection:Identity"] = identity,
            ["Operator:LeaderElection:LeaseDuration"] = "00:00:02",
            ["Operator:LeaderElection:RenewDeadline"] = "00:00:01.500",
            ["Operator:LeaderElection:RetryPeriod"] = "00:00:00.200",
        }.Concat(settings ?? new Dictionary<string, string?>()))
        {
            config[k] = v;
        }

        var app = OperatorApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(client ?? Api.CreateClient(identity));
            builder.Services.AddSingleton(Clock);
        });
        await app.StartAsync();
        operators.Add(app);
        return app;
    }

    public async Task StopOperatorAsync(WebApplication app)
    {
        operators.Remove(app);
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public Task<Checkpoint> CreateCheckpointAsync(string name, CheckpointSpec spec, string ns = Ns) =>
        Client.CreateCryoObjectAsync(ns, name, new Checkpoint { Spec = spec }, Checkpoint.Plural);

    public Task<Restore> CreateRestoreAsync(string name, RestoreSpec spec, string ns = Ns) =>
        Client.CreateCryoObjectAsync(ns, name, new Restore { Spec = spec }, Restore.Plural);

    public Task<CheckpointSchedule> CreateScheduleAsync(string name, CheckpointScheduleSpec spec, string ns = Ns) =>
        Client.CreateCryoObjectAsync(ns, name, new CheckpointSchedule { Spec = spec }, CheckpointSchedule.Plural);

    public Task<CheckpointSchedule> GetScheduleAsync(string name, string ns = Ns) =>
        Client.GetCryoObjectAsync<CheckpointSchedule>(ns, name, CheckpointSchedule.Plural);

    /// <summary>The Checkpoints of <paramref name="ns"/> (those <paramref name="labelSelector"/> selects).</summary>
    public async Task<List<Checkpoint>> ListCheckpointsAsync(string? labelSelector = null, string ns = Ns) =>
        (await Client.CustomObjects.ListNamespacedCustomObjectAsync<CheckpointList>(CryoNames.Group, CryoNames.Version, ns, Checkpoint.Plural, labelSelector: labelSelector)).Items.ToList();

    public Task<RestoreSet> CreateRestoreSetAsync(string name, RestoreSetSpec spec, string ns = Ns) =>
        Client.CreateCryoObjectAsync(ns, name, new RestoreSet { Spec = spec }, RestoreSet.Plural);

    public Task<RestoreSet> GetRestoreSetAsync(string name, string ns = Ns) =>
        Client.GetCryoObjectAsync<RestoreSet>(ns, name, RestoreSet.Plural);

    public Task<RestoreSet> WaitForRestoreSetAsync(string name, Func<RestoreSet, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.MatchingAsync(() => GetRestoreSetAsync(name), condition, $"RestoreSet {name}: {what}", timeout);

    /// <summary>What <c>kubectl scale restoreset NAME --replicas=N</c> sends: a merge patch of the scale subresource.</summary>
    public Task<V1Scale> ScaleAsync(string name, int replicas, string ns = Ns) =>
        Client.CustomObjects.PatchNamespacedCustomObjectScaleAsync<V1Scale>(
            new V1Patch(KubernetesJson.Serialize(new { spec = new { replicas } }), V1Patch.PatchType.MergePatch), CryoNames.Group, CryoNames.Version, ns, RestoreSet.Plural, name);

    /// <summary>The Restores of RestoreSet <paramref name="set"/> (its copies).</summary>
    public async Task<List<Restore>> CopiesAsync(string set, string ns = Ns) =>
        (await Client.CustomObjects.ListNamespacedCustomObjectAsync<RestoreList>(
            CryoNames.Group, CryoNames.Version, ns, Restore.Plural, labelSelector: $"{CryoNames.RestoreSetLabel}={set}")).Items.ToList();

    /// <summary>The pods of RestoreSet <paramref name="set"/> that <paramref name="selector"/> (after the set's label) selects.</summary>
    public async Task<List<V1Pod>> SetPodsAsync(string set, string? selector = null, string ns = Ns) =>
        (await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"{CryoNames.RestoreSetLabel}={set}" + (selector is null ? "" : "," + selector))).Items.ToList();

    public Task<Checkpoint> GetCheckpointAsync(string name, string ns = Ns) =>
        Client.GetCryoObjectAsync<Checkpoint>(ns, name, Checkpoint.Plural);

    public Task<Restore> GetRestoreAsync(string name, string ns = Ns) =>
        Client.GetCryoObjectAsync<Restore>(ns, name, Restore.Plural);

    public Task<Checkpoint> WaitForCheckpointAsync(string name, Func<Checkpoint, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.MatchingAsync(() => GetCheckpointAsync(name), condition, $"Checkpoint {name}: {what}", timeout);

    public Task<CheckpointSchedule> WaitForScheduleAsync(string name, Func<CheckpointSchedule, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.MatchingAsync(() => GetScheduleAsync(name), condition, $"CheckpointSchedule {name}: {what}", timeout);

    public Task<Restore> WaitForRestoreAsync(string name, Func<Restore, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.MatchingAsync(() => GetRestoreAsync(name), condition, $"Restore {name}: {what}", timeout);

    /// <summary>Waits for an Event about <paramref name="objectName"/> (Events are written after status, so they may lag).</summary>
    public async Task<Corev1Event> WaitForEventAsync(string objectName, Func<Corev1Event, bool> match, string what)
    {
        Corev1Event? found = null;
        await Eventually.TrueAsync(async () => (found = (await EventsAsync(objectName)).FirstOrDefault(match)) is not null, $"event about {objectName}: {what}");
        return found!;
    }

    /// <summary>Waits until operator-1 has reconciled Restore <paramref name="name"/> again (a periodic resync reads it).</summary>
    public async Task ResyncedAsync(string name)
    {
        int Reads() => Api.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith($"/restores/{name}") && r.Client == "operator-1");
        var before = Reads();
        await Eventually.TrueAsync(() => Reads() > before, $"a resync reconciles Restore {name} again");
    }

    public async Task<List<Corev1Event>> EventsAsync(string objectName, string ns = Ns) =>
        (await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={objectName}")).Items.ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var app in operators.ToList())
        {
            await StopOperatorAsync(app);
        }

        foreach (var agent in Agents.Values)
        {
            await agent.DisposeAsync();
        }

        Client.Dispose();
        await Api.DisposeAsync();
    }
}
