using Cryo.Agent.Tests.Transfer;
using Cryo.Api;
using Cryo.Criu;
using Cryo.Operator.Hosting;
using Cryo.Testing.Kubernetes;
using Cryo.Testing.Kubernetes.Cluster;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cryo.Agent.Tests.EndToEnd;

/// <summary>
/// A cluster of two nodes on this machine, end to end: the loopback API server with two Ready Node objects, on each
/// node a real agent (the real engines and CRIU; a store of its own, storage mode perNode, or one store directory both
/// mount, storage mode shared) behind its mutual-TLS listener, found by the operator as in production, through its
/// agent pod's IP and <c>grpc</c> port; the real operator
/// (<see cref="OperatorApp"/>, every reconciler) speaking mutual TLS to them; and the <see cref="HarnessKubelet"/>
/// running the pods as real process trees. Everything started is stopped on dispose.
/// </summary>
public sealed class TwoNodeCluster : IAsyncDisposable
{
    public const string Ns = "apps";
    public const string NodeA = "node-a";
    public const string NodeB = "node-b";

    private readonly TestPki pki = new();
    private readonly List<IAsyncDisposable> started = [];
    private WebApplication? operatorApp;

    private TwoNodeCluster(TestApiServer api)
    {
        Api = api;
        Client = api.CreateClient("test");
    }

    public TestApiServer Api { get; }

    public Kubernetes Client { get; }

    /// <summary>The engines (and store) of node A's agent.</summary>
    public TestEngines EnginesA { get; private set; } = null!;

    /// <summary>The engines (and store: node A's directory when the store is shared) of node B's agent.</summary>
    public TestEngines EnginesB { get; private set; } = null!;

    public HarnessKubelet Kubelet { get; private set; } = null!;

    /// <summary>
    /// Starts the cluster; <paramref name="wrapCriuB"/> wraps the CRIU of node B's agent (a failing one, say). With
    /// <paramref name="sharedStore"/> node B's agent keeps its checkpoints in node A's store directory, as every agent
    /// mounts the one claim in the chart's shared mode (each still sweeps only its own temporary entries, named by its
    /// node). Restore pods run the placeholder at <paramref name="placeholderPath"/>.
    /// </summary>
    public static async Task<TwoNodeCluster> StartAsync(string placeholderPath, Func<ICriu, ICriu>? wrapCriuB = null, bool sharedStore = false)
    {
        var api = await TestApiServer.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(500) });
        var cluster = new TwoNodeCluster(api);
        try
        {
            cluster.EnginesA = new TestEngines(storeOwner: NodeA);
            cluster.EnginesB = new TestEngines(wrapCriuB, sharedStore ? cluster.EnginesA.StoreRoot : null, NodeB);
            var agents = new FakeKubelet(cluster.Client);
            foreach (var (node, engines) in new[] { (NodeA, cluster.EnginesA), (NodeB, cluster.EnginesB) })
            {
                await cluster.Client.CoreV1.CreateNodeAsync(new V1Node
                {
                    Metadata = new V1ObjectMeta { Name = node, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = node } },
                    Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }] },
                });
                var agent = await PeerAgents.StartAsync(engines, cluster.pki, node);
                cluster.started.Add(agent);
                await agents.AgentPodAsync(node, agent.TlsPort!.Value);
            }

            cluster.Kubelet = HarnessKubelet.Start(cluster.Client, Ns, placeholderPath);
            cluster.started.Add(cluster.Kubelet);
            await cluster.StartOperatorAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public Task<Migration> CreateMigrationAsync(string name, MigrationSpec spec) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync<Migration>(
            new Migration { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns }, Spec = spec },
            CryoNames.Group, CryoNames.Version, Ns, Migration.Plural);

    public async Task<Migration> WaitForMigrationAsync(string name, Func<Migration, bool> condition, string what, TimeSpan timeout)
    {
        Migration? last = null;
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                last = await Client.CustomObjects.GetNamespacedCustomObjectAsync<Migration>(CryoNames.Group, CryoNames.Version, Ns, Migration.Plural, name);
                return condition(last);
            }, $"Migration {name}: {what}", timeout);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Where it stood says more than the wait's own message.
            throw new TimeoutException($"Migration {name}: {what}; it stands at {last?.Status?.Phase}: {last?.Status?.Message}", e);
        }

        return last!;
    }

    public Task<Checkpoint> GetCheckpointAsync(string name) =>
        Client.CustomObjects.GetNamespacedCustomObjectAsync<Checkpoint>(CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural, name);

    public Task<Restore> GetRestoreAsync(string name) =>
        Client.CustomObjects.GetNamespacedCustomObjectAsync<Restore>(CryoNames.Group, CryoNames.Version, Ns, Restore.Plural, name);

    /// <summary>The pod of that name in the test namespace.</summary>
    public Task<V1Pod> GetPodAsync(string name) => Client.CoreV1.ReadNamespacedPodAsync(name, Ns);

    /// <summary>Waits until pod <paramref name="name"/> is gone from the API server (the kubelet finished its termination).</summary>
    public Task WaitForPodGoneAsync(string name, TimeSpan timeout) =>
        Eventually.TrueAsync(async () => (await Client.CoreV1.ListNamespacedPodAsync(Ns, fieldSelector: $"metadata.name={name}")).Items.Count == 0, $"pod {name} is gone", timeout);

    public async ValueTask DisposeAsync()
    {
        // The operator first (it stops calling the agents), then the pods' trees, then the agents.
        if (operatorApp is not null)
        {
            await operatorApp.StopAsync();
            await operatorApp.DisposeAsync();
        }

        foreach (var part in Enumerable.Reverse(started))
        {
            await part.DisposeAsync();
        }

        EnginesB?.Dispose();
        EnginesA?.Dispose();
        Client.Dispose();
        await Api.DisposeAsync();
        pki.Dispose();
    }

    /// <summary>The operator as its Program builds it, with short timings and mutual TLS to the agents.</summary>
    private async Task StartOperatorAsync()
    {
        var config = QuickOperatorSettings.Create();
        config["Operator:Tls:Enabled"] = "true";
        config["Operator:Tls:CaFile"] = pki.CaPath;
        config["Operator:Tls:CertFile"] = pki.OperatorCertificatePath;
        config["Operator:Tls:KeyFile"] = pki.OperatorKeyPath;
        config["Operator:Tls:AgentServerName"] = "localhost";
        config["Operator:PlaceholderRecheckInterval"] = "00:00:00.250";
        config["Operator:TransferRecheckInterval"] = "00:00:00.250";
        config["Operator:LeaderElection:Enabled"] = "false";
        var app = OperatorApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IKubernetes>(Api.CreateClient("operator"));
        });
        await app.StartAsync();
        operatorApp = app;
    }
}
