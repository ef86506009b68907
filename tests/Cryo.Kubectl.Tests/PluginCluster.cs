using Cryo.Testing;
using Cryo.Testing.Kubernetes.Cluster;
using k8s.Models;

namespace Cryo.Kubectl.Tests;

/// <summary>
/// A cluster for the plugin: the test API server behind a kubeconfig with a token, a context whose namespace is
/// <see cref="Ns"/>, and helpers that play the operator (status writes) and the kubelet (pods).
/// </summary>
public sealed class PluginCluster : IAsyncDisposable
{
    public const string Ns = "apps";
    public const string Node = "node-1";
    public const string Token = "s3cret-token";

    private readonly TempDirectory directory;

    private PluginCluster(TestApiServer api, TempDirectory directory)
    {
        Api = api;
        this.directory = directory;
        Client = new Kubernetes(new KubernetesClientConfiguration { Host = api.BaseAddress.ToString(), AccessToken = Token });
        Kubelet = new FakeKubelet(Client);
        KubeconfigPath = Path.Combine(directory.Path, "config");
        File.WriteAllText(KubeconfigPath, Kubeconfig(api.BaseAddress, "cluster-a", "dev", Ns, Token));
        api.RequiredToken = Token;
    }

    public TestApiServer Api { get; }

    /// <summary>An unauthenticated client is refused: this one carries the token too.</summary>
    public Kubernetes Client { get; }

    public FakeKubelet Kubelet { get; }

    public string KubeconfigPath { get; }

    /// <summary>The environment of a shell whose KUBECONFIG is this cluster's.</summary>
    public IReadOnlyDictionary<string, string> Shell => new Dictionary<string, string> { ["KUBECONFIG"] = KubeconfigPath };

    public string Directory => directory.Path;

    public static async Task<PluginCluster> StartAsync()
    {
        var api = await TestApiServer.StartAsync();
        return new PluginCluster(api, new TempDirectory("cryo-kubectl-"));
    }

    /// <summary>Runs the plugin in this cluster's shell.</summary>
    public Task<KubectlCryoRun.Result> RunAsync(params string[] args) => KubectlCryoRun.RunAsync(Shell, args);

    /// <summary>A kubeconfig with one cluster, user and context, current.</summary>
    public static string Kubeconfig(Uri server, string cluster, string context, string ns, string token) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {cluster}
          cluster:
            server: {server}
        users:
        - name: {cluster}-user
          user:
            token: {token}
        contexts:
        - name: {context}
          context:
            cluster: {cluster}
            user: {cluster}-user
            namespace: {ns}
        current-context: {context}
        """;

    /// <summary>Writes the status of a Checkpoint as the operator would.</summary>
    public async Task<Checkpoint> SetCheckpointStatusAsync(string name, CheckpointStatus status)
    {
        var checkpoint = await GetAsync<Checkpoint>("checkpoints", name);
        checkpoint.Status = status;
        return await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<Checkpoint>(checkpoint, CryoNames.Group, CryoNames.Version, Ns, "checkpoints", name);
    }

    /// <summary>Writes the status of a Restore as the operator would.</summary>
    public async Task<Restore> SetRestoreStatusAsync(string name, RestoreStatus status)
    {
        var restore = await GetAsync<Restore>("restores", name);
        restore.Status = status;
        return await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<Restore>(restore, CryoNames.Group, CryoNames.Version, Ns, "restores", name);
    }

    /// <summary>A Checkpoint that succeeded on <see cref="Node"/>.</summary>
    public async Task<Checkpoint> SucceededCheckpointAsync(string name, string? parent = null, string pod = "web")
    {
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(new Checkpoint
        {
            ApiVersion = CryoNames.ApiVersion,
            Kind = "Checkpoint",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
            Spec = new CheckpointSpec { PodName = pod, ContainerName = "app", ParentCheckpoint = parent },
        }, CryoNames.Group, CryoNames.Version, Ns, "checkpoints");
        return await SetCheckpointStatusAsync(name, new CheckpointStatus
        {
            Phase = Phase.Succeeded,
            NodeName = Node,
            SizeBytes = 58L << 20,
            Location = $"{Ns}/{name}-uid",
            CriuVersion = "4.2.1",
            Timings = new CheckpointTimings { FreezeMilliseconds = 120, DumpMilliseconds = 700, TotalMilliseconds = 900 },
            Message = $"checkpoint of container app of pod {pod} stored",
        });
    }

    /// <summary>A Restore of <paramref name="checkpoint"/> into a new pod, as <c>kubectl cryo restore</c> would create it; no status yet.</summary>
    public Task<Restore> RestoreIntoNewPodAsync(string name, string checkpoint) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync<Restore>(new Restore
        {
            ApiVersion = CryoNames.ApiVersion,
            Kind = "Restore",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
            Spec = new RestoreSpec { CheckpointName = checkpoint, NewPod = new NewPodTarget() },
        }, CryoNames.Group, CryoNames.Version, Ns, Restore.Plural);

    public Task<T> GetAsync<T>(string plural, string name) =>
        Client.CustomObjects.GetNamespacedCustomObjectAsync<T>(CryoNames.Group, CryoNames.Version, Ns, plural, name);

    public async Task<List<Checkpoint>> CheckpointsAsync() =>
        [.. (await Client.CustomObjects.ListNamespacedCustomObjectAsync<CheckpointList>(CryoNames.Group, CryoNames.Version, Ns, Checkpoint.Plural)).Items];

    public async Task<List<Restore>> RestoresAsync() =>
        [.. (await Client.CustomObjects.ListNamespacedCustomObjectAsync<RestoreList>(CryoNames.Group, CryoNames.Version, Ns, Restore.Plural)).Items];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Api.DisposeAsync();
        directory.Dispose();
    }
}
