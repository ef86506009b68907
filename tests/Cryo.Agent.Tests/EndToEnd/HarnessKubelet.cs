using System.Collections.Concurrent;
using System.Security.Cryptography;
using Cryo.Api;
using Cryo.Testing.Agent.Harness;
using Cryo.Testing.Kubernetes.Cluster;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Cryo.Agent.Tests.EndToEnd;

/// <summary>
/// Plays the kubelets of the cluster's nodes for one namespace, with real process trees: a pod bound to a node is run
/// as a <see cref="ContainerWorkload"/> in the cgroup a kubelet gives its container (<c>kubepods/besteffort/pod&lt;uid&gt;/&lt;ID&gt;</c>),
/// and its status names that ID, so the agents find the tree by the pod's <c>containerID</c> as on a node. The pods
/// the test declared (<see cref="Run"/>) run their workload; a Restore's pod runs the real cryo-placeholder as its
/// container's init. A pod being deleted has its tree killed, then is deleted with grace 0, as a kubelet finishing its
/// termination; what every other pod had said on its standard error by then is kept (<see cref="ErrorOutputAtDeletion"/>). Both nodes' pods
/// run on this machine, where both agents see them: which agent acts on which is the operator's choice alone.
/// </summary>
public sealed class HarnessKubelet : IAsyncDisposable
{
    private readonly IKubernetes client;
    private readonly FakeKubelet statuses;
    private readonly string ns;
    private readonly string placeholderPath;
    private readonly ConcurrentDictionary<string, ContainerSpec> declared = new();
    private readonly ConcurrentDictionary<string, RunningPod> running = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    private HarnessKubelet(IKubernetes client, string ns, string placeholderPath)
    {
        this.client = client;
        this.ns = ns;
        this.placeholderPath = placeholderPath;
        statuses = new FakeKubelet(client);
        loop = Task.Run(() => RunAsync(stop.Token));
    }

    /// <summary>
    /// Pod name → the standard error of every other pod this kubelet ran, when that pod's deletion reached it: a restore
    /// pod's placeholder says there whether it had adopted a restored application.
    /// </summary>
    public ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> ErrorOutputAtDeletion { get; } = new();

    /// <summary>Why the loop stopped, if it failed (a pod it could not start, say).</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Starts playing the kubelets of <paramref name="ns"/>; restore pods get the placeholder at <paramref name="placeholderPath"/>.</summary>
    public static HarnessKubelet Start(IKubernetes client, string ns, string placeholderPath) => new(client, ns, placeholderPath);

    /// <summary>
    /// Creates pod <paramref name="name"/> on <paramref name="node"/>, with container <c>app</c> running <paramref name="spec"/>,
    /// and returns its workload once the pod reports it running.
    /// </summary>
    public async Task<ContainerWorkload> RunAsync(string name, string node, ContainerSpec spec, TimeSpan timeout)
    {
        declared[name] = spec;
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = new V1PodSpec
            {
                NodeName = node,
                Containers = [new V1Container { Name = "app", Image = "registry.example/app:1", ImagePullPolicy = "IfNotPresent", Command = ["/app/init.sh"] }],
            },
        }, ns);
        return await WorkloadAsync(name, timeout);
    }

    /// <summary>The workload of pod <paramref name="name"/>, once this kubelet runs it.</summary>
    public async Task<ContainerWorkload> WorkloadAsync(string name, TimeSpan timeout)
    {
        ContainerWorkload? workload = null;
        await Eventually.TrueAsync(() =>
        {
            ThrowIfFailed();
            workload = running.TryGetValue(name, out var pod) && pod.Reported ? pod.Workload : null;
            return Task.FromResult(workload is not null);
        }, $"pod {name} runs on the harness", timeout);
        return workload!;
    }

    /// <summary>Whether pod <paramref name="name"/>'s workload still runs here.</summary>
    public bool Runs(string name) => running.ContainsKey(name);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
            // stopped
        }

        foreach (var pod in running.Values)
        {
            await pod.Workload.DisposeAsync();
        }

        stop.Dispose();
    }

    private void ThrowIfFailed()
    {
        if (Failure is { } failed)
        {
            throw new InvalidOperationException("the harness kubelet stopped", failed);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var pods = (await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken)).Items;
                foreach (var gone in running.Keys.Where(name => pods.All(p => p.Metadata.Name != name)).ToList())
                {
                    await EndAsync(gone);
                }

                foreach (var pod in pods)
                {
                    await PlayAsync(pod, cancellationToken);
                }

                await Task.Delay(50, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Failure = e;
        }
    }

    private async Task PlayAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var name = pod.Metadata.Name;
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            if (running.ContainsKey(name))
            {
                ErrorOutputAtDeletion.TryAdd(name, running.Where(p => p.Key != name).ToDictionary(p => p.Key, p => p.Value.Workload.Stderr));
                await EndAsync(name);
                await IgnoringRacesAsync(() => statuses.FinishTerminationAsync(ns, name));
            }

            return;
        }

        if (running.ContainsKey(name) || string.IsNullOrEmpty(pod.Spec.NodeName) || SpecOf(pod) is not { } spec)
        {
            return;
        }

        // A kubelet's cgroupfs layout: the container's cgroup is named by its ID, under its pod's.
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var workload = await ContainerWorkload.StartAsync(
            spec with { CgroupParent = $"kubepods/besteffort/pod{pod.Metadata.Uid}", CgroupName = id }, cancellationToken);
        var entry = new RunningPod(workload);
        running[name] = entry;
        var container = pod.Metadata.Annotations is { } annotations && annotations.TryGetValue(CryoNames.PlaceholderContainerAnnotation, out var annotated)
            ? annotated
            : pod.Spec.Containers[0].Name;
        await IgnoringRacesAsync(() => statuses.StartAsync(pod, containerIds: new Dictionary<string, string> { [container] = $"containerd://{id}" }));
        entry.Reported = true;
    }

    /// <summary>The declared workload of a test's pod, the placeholder for a Restore's; null for pods no test runs.</summary>
    private ContainerSpec? SpecOf(V1Pod pod)
    {
        if (declared.TryGetValue(pod.Metadata.Name, out var spec))
        {
            return spec;
        }

        return pod.Metadata.Labels?.ContainsKey(CryoNames.RestoreLabel) == true
            ? ContainerSpec.Placeholder(pod.Metadata.Name) with
            {
                InitCommand = ["/cryo-placeholder"],
                HostFiles = new Dictionary<string, string> { ["/cryo-placeholder"] = placeholderPath },
            }
            : null;
    }

    private async Task EndAsync(string name)
    {
        if (running.TryRemove(name, out var pod))
        {
            await pod.Workload.DisposeAsync();
        }
    }

    private static async Task IgnoringRacesAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (HttpOperationException)
        {
            // Deleted or changed under us (the operator, the garbage collector): the next round sees it afresh.
        }
    }

    private sealed class RunningPod(ContainerWorkload workload)
    {
        public ContainerWorkload Workload { get; } = workload;

        public bool Reported { get; set; }
    }
}
