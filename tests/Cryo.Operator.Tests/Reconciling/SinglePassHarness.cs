using Cryo.Operator.Checkpoints;
using Cryo.Operator.Configuration;
using Cryo.Operator.Evictions;
using Cryo.Operator.Hosting;
using Cryo.Operator.Migrations;
using Cryo.Operator.Reconciling;
using Cryo.Operator.RestoreSets;
using Cryo.Operator.Schedules;
using Cryo.Operator.Transfers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cryo.Operator.Tests.Reconciling;

/// <summary>
/// Runs single reconcile passes by hand: the reconcilers as <see cref="OperatorApp"/> wires them (never started: no
/// watches, queues or workers), over the loopback API server, with a hand-written agent client and locator and a
/// clock that stands still unless the test moves it (the API server's timestamps follow the same clock). The test puts
/// objects in the API server, runs one pass, and asserts on the result, the status and the writes the pass made.
/// </summary>
public sealed class SinglePassHarness : IAsyncDisposable
{
    public const string Ns = "apps";
    public const string Node = "node-1";
    private const string OperatorClient = "operator";

    private readonly WebApplication app;

    private SinglePassHarness(TestApiServer api, WebApplication app, ScriptedAgentClient agent, FixedAgentLocator locator, ManualClock clock)
    {
        Api = api;
        Clock = clock;
        this.app = app;
        Agent = agent;
        Locator = locator;
        Client = api.CreateClient("test");
        Kubelet = new FakeKubelet(Client);
    }

    /// <summary>The time every pass sees until the test moves <see cref="Clock"/> (whole seconds, as the API server keeps timestamps).</summary>
    public static DateTime Now { get; } = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>The operator's and the API server's clock; it starts at <see cref="Now"/>.</summary>
    public ManualClock Clock { get; }

    public TestApiServer Api { get; }

    /// <summary>The test's own client (its requests are not the operator's).</summary>
    public Kubernetes Client { get; }

    public FakeKubelet Kubelet { get; }

    public ScriptedAgentClient Agent { get; }

    /// <summary>Agents run on <see cref="Node"/> only.</summary>
    public FixedAgentLocator Locator { get; }

    public OperatorOptions Settings => app.Services.GetRequiredService<IOptions<OperatorOptions>>().Value;

    public OperatorMetrics Metrics => app.Services.GetRequiredService<OperatorMetrics>();

    public CheckpointReconciler Checkpoints => app.Services.GetRequiredService<CheckpointReconciler>();

    public RestoreReconciler Restores => app.Services.GetRequiredService<RestoreReconciler>();

    public CheckpointScheduleReconciler Schedules => app.Services.GetRequiredService<CheckpointScheduleReconciler>();

    public EvictionReconciler Evictions => app.Services.GetRequiredService<EvictionReconciler>();

    /// <summary>The operator's pulls of Checkpoints between agents.</summary>
    public CheckpointPulls Pulls => app.Services.GetRequiredService<CheckpointPulls>();

    public RestoreSetReconciler RestoreSets => app.Services.GetRequiredService<RestoreSetReconciler>();

    public MigrationReconciler Migrations => app.Services.GetRequiredService<MigrationReconciler>();

    public static async Task<SinglePassHarness> StartAsync()
    {
        var clock = new ManualClock(Now);
        var api = await TestApiServer.StartAsync(new TestApiServerOptions { Clock = clock });
        var agent = new ScriptedAgentClient();
        var locator = new FixedAgentLocator { Nodes = { Node } };
        var app = OperatorApp.Build([], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Operator:Tls:Enabled"] = "false",
                ["Operator:PlaceholderImage"] = "cryo/agent:test",
                ["Operator:LeaderElection:Enabled"] = "false",
            });
            builder.Services.AddSingleton<IKubernetes>(api.CreateClient(OperatorClient));
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.Services.AddSingleton<IAgentClient>(agent);
            builder.Services.AddSingleton<IAgentLocator>(locator);
        });
        return new SinglePassHarness(api, app, agent, locator, clock);
    }

    /// <summary>Runs one pass of <paramref name="reconciler"/> over <paramref name="name"/>, recording the operator's writes.</summary>
    public async Task<ReconcilePass> PassAsync(IReconciler reconciler, string name)
    {
        var before = Api.Requests.Count;
        var result = await reconciler.ReconcileAsync(new ObjectKey(Ns, name), CancellationToken.None);
        return new ReconcilePass(result, Api.Requests.Skip(before).Where(r => r.Client == OperatorClient && r.Method != "GET").ToList());
    }

    /// <summary>Creates a Checkpoint, and gives it <paramref name="status"/> as an earlier pass would have written it.</summary>
    public async Task<Checkpoint> CheckpointAsync(string name, CheckpointSpec spec, CheckpointStatus? status = null)
    {
        var created = await Client.CreateCryoObjectAsync(Ns, name, new Checkpoint { Spec = spec }, Checkpoint.Plural);
        if (status is null)
        {
            return created;
        }

        created.Status = status;
        return await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<Checkpoint>(created, CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, name);
    }

    /// <summary>A Checkpoint of container app of <paramref name="pod"/> that Succeeded, as the Checkpoint reconciler records it.</summary>
    public Task<Checkpoint> SucceededCheckpointAsync(string name, V1Pod pod) =>
        CheckpointAsync(name, new CheckpointSpec { PodName = pod.Metadata.Name }, SucceededStatus(name, pod));

    /// <summary>The status the Checkpoint reconciler writes for Checkpoint <paramref name="name"/> of container app of <paramref name="pod"/> once it Succeeded.</summary>
    public static CheckpointStatus SucceededStatus(string name, V1Pod pod) => new()
    {
        Phase = Phase.Succeeded,
        NodeName = pod.Spec.NodeName,
        PodUid = pod.Metadata.Uid,
        ContainerId = pod.Status.ContainerStatuses[0].ContainerID,
        PodSpec = pod.Spec,
        Location = $"{Ns}/{name}",
    };

    /// <summary>The operator's pull of Checkpoint <paramref name="checkpoint"/> to <paramref name="node"/> finished (awaited as the reconciler sees it end).</summary>
    public async Task PullEndedAsync(string node, string checkpoint)
    {
        var uid = (await GetCheckpointAsync(checkpoint)).Metadata.Uid;
        var pull = Pulls.Find(new PullKey(node, Ns, checkpoint, uid)) ?? throw new InvalidOperationException($"no pull of {checkpoint} to {node} runs");
        await ((Task)pull.Completion).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public Task<Restore> RestoreAsync(string name, RestoreSpec spec) =>
        Client.CreateCryoObjectAsync(Ns, name, new Restore { Spec = spec }, Restore.Plural);

    public Task<CheckpointSchedule> ScheduleAsync(string name, CheckpointScheduleSpec spec) =>
        Client.CreateCryoObjectAsync(Ns, name, new CheckpointSchedule { Spec = spec }, CheckpointSchedule.Plural);

    public Task<CheckpointSchedule> GetScheduleAsync(string name) =>
        Client.GetCryoObjectAsync<CheckpointSchedule>(Ns, name, CheckpointSchedule.Plural);

    /// <summary>The Checkpoints of the namespace, by name.</summary>
    public async Task<List<Checkpoint>> CheckpointsAsync() =>
        (await Client.CustomObjects.ListNamespacedCustomObjectAsync<CheckpointList>(CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural)).Items.ToList();

    /// <summary>Gives <paramref name="checkpoint"/> the status the Checkpoint reconciler writes when it finishes, completed now.</summary>
    public async Task<Checkpoint> FinishAsync(Checkpoint checkpoint, string phase)
    {
        var current = await GetCheckpointAsync(checkpoint.Metadata.Name);
        current.Status = new CheckpointStatus { Phase = phase, CompletionTime = Clock.GetUtcNow().UtcDateTime, NodeName = Node };
        return await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<Checkpoint>(current, CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, current.Metadata.Name);
    }

    public Task<RestoreSet> RestoreSetAsync(string name, RestoreSetSpec spec) =>
        Client.CreateCryoObjectAsync(Ns, name, new RestoreSet { Spec = spec }, RestoreSet.Plural);

    public Task<RestoreSet> GetRestoreSetAsync(string name) =>
        Client.GetCryoObjectAsync<RestoreSet>(Ns, name, RestoreSet.Plural);

    /// <summary>Writes <paramref name="status"/> onto Restore <paramref name="name"/>, as its reconciler would have.</summary>
    public async Task<Restore> RestoreStatusAsync(string name, RestoreStatus status)
    {
        var restore = await GetRestoreAsync(name);
        restore.Status = status;
        return await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<Restore>(restore, CryoNames.Group, CryoNames.Version, Ns, Restore.Plural, name);
    }

    public Task<Migration> MigrationAsync(string name, MigrationSpec spec) =>
        Client.CreateCryoObjectAsync(Ns, name, new Migration { Spec = spec }, Migration.Plural);

    public Task<Migration> GetMigrationAsync(string name) =>
        Client.GetCryoObjectAsync<Migration>(Ns, name, Migration.Plural);

    public Task<Checkpoint> GetCheckpointAsync(string name) =>
        Client.GetCryoObjectAsync<Checkpoint>(Ns, name, Checkpoint.Plural);

    public Task<Restore> GetRestoreAsync(string name) =>
        Client.GetCryoObjectAsync<Restore>(Ns, name, Restore.Plural);

    public Task<V1Pod> GetPodAsync(string name) => Client.CoreV1.ReadNamespacedPodAsync(name, Ns);

    public async Task<List<Corev1Event>> EventsAsync(string objectName) =>
        (await Client.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: $"involvedObject.name={objectName}")).Items.ToList();

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        Client.Dispose();
        await Api.DisposeAsync();
    }
}
