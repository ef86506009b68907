using Cryo.Api;
using k8s.Models;

namespace Cryo.Testing.Kubernetes.Cluster;

/// <summary>
/// What kubelets, the scheduler and the DaemonSet controller would do in the test cluster, through the real
/// client: create running workload pods and agent pods, bind unscheduled pods to a node, and start pods
/// created for Restores on their node.
/// </summary>
public sealed class FakeKubelet(IKubernetes client)
{
    /// <summary>The agents' namespace in tests.</summary>
    public const string AgentNamespace = "cryo-system";

    /// <summary>The agents' label selector in tests.</summary>
    public const string AgentSelector = "app.kubernetes.io/component=agent";

    /// <summary>The reason of the kubelet's Ready False while a readiness gate's condition is missing or not True.</summary>
    public const string ReadinessGatesNotReady = "ReadinessGatesNotReady";

    private int containerCounter;

    /// <summary>Creates a pod on <paramref name="node"/> and reports its containers running.</summary>
    public Task<V1Pod> RunPodAsync(string ns, string name, string node, params string[] containers) =>
        RunPodAsync(ns, name, node, _ => { }, containers);

    /// <summary>Creates a pod on <paramref name="node"/>, its spec adjusted by <paramref name="configure"/>, and reports its containers running.</summary>
    public async Task<V1Pod> RunPodAsync(string ns, string name, string node, Action<V1PodSpec> configure, params string[] containers)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = new V1PodSpec
            {
                NodeName = node,
                Containers = (containers.Length == 0 ? ["app"] : containers)
                    .Select(c => new V1Container { Name = c, Image = $"registry.example/{c}:1", Command = ["/bin/app"] }).ToList(),
            },
        };
        configure(pod.Spec);
        pod = await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        return await StartAsync(pod);
    }

    /// <summary>Creates a pod that stays Pending (not scheduled).</summary>
    public Task<V1Pod> PendingPodAsync(string ns, string name) =>
        client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "img" }] },
        }, ns);

    /// <summary>Creates the ready agent pod of <paramref name="node"/>, dialled at 127.0.0.1:<paramref name="port"/>.</summary>
    public async Task AgentPodAsync(string node, int port)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"cryo-agent-{node}",
                NamespaceProperty = AgentNamespace,
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/component"] = "agent" },
            },
            Spec = new V1PodSpec
            {
                NodeName = node,
                Containers = [new V1Container { Name = "agent", Image = "cryo/agent", Ports = [new V1ContainerPort { Name = "grpc", ContainerPort = port }] }],
            },
        };
        pod = await client.CoreV1.CreateNamespacedPodAsync(pod, AgentNamespace);
        await StartAsync(pod, "127.0.0.1");
    }

    /// <summary>Binds an unscheduled pod to <paramref name="node"/> through pods/binding, as the scheduler does.</summary>
    public async Task<V1Pod> ScheduleAsync(V1Pod pod, string node)
    {
        var binding = new V1Binding
        {
            Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty },
            Target = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = node },
        };
        await client.CoreV1.CreateNamespacedPodBindingAsync(binding, pod.Metadata.Name, pod.Metadata.NamespaceProperty);
        return await client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty);
    }

    /// <summary>
    /// Reports every container of <paramref name="pod"/> running (and, with no probes, ready), as its node's kubelet would;
    /// <paramref name="containerIds"/> names the runtime IDs of containers that really run (a process tree the agent
    /// finds by that ID), the others get made-up ones.
    /// </summary>
    public async Task<V1Pod> StartAsync(V1Pod pod, string podIp = "10.0.0.10", IReadOnlyDictionary<string, string>? containerIds = null)
    {
        if (string.IsNullOrEmpty(pod.Spec.NodeName))
        {
            throw new InvalidOperationException($"pod {pod.Metadata.Name} is not bound to a node: no kubelet would start it");
        }

        pod.Status ??= new V1PodStatus();
        pod.Status.Phase = "Running";
        pod.Status.PodIP = podIp;
        pod.Status.ContainerStatuses = pod.Spec.Containers.Select(c => new V1ContainerStatus
        {
            Name = c.Name,
            Image = c.Image,
            ImageID = c.Image,
            Ready = true,
            ContainerID = containerIds?.GetValueOrDefault(c.Name) ?? $"containerd://{Interlocked.Increment(ref containerCounter):x64}",
            State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow } },
        }).ToList();
        return await WriteStatusAsync(pod);
    }

    /// <summary>
    /// Plays the kubelet restarting container <paramref name="container"/> after its run ended with
    /// <paramref name="exitCode"/>: the ended run becomes lastState, restartCount grows, and the new run (a new
    /// container ID) is running, as the placeholder again.
    /// </summary>
    public async Task<V1Pod> RestartContainerAsync(string ns, string podName, string container, int exitCode, string reason)
    {
        var pod = await client.CoreV1.ReadNamespacedPodAsync(podName, ns);
        var status = pod.Status.ContainerStatuses.Single(c => c.Name == container);
        var now = DateTime.UtcNow;
        status.LastState = new V1ContainerState
        {
            Terminated = new V1ContainerStateTerminated
            {
                ExitCode = exitCode,
                Reason = reason,
                ContainerID = status.ContainerID,
                StartedAt = status.State?.Running?.StartedAt ?? status.State?.Terminated?.StartedAt,
                FinishedAt = status.State?.Terminated?.FinishedAt ?? now,
            },
        };
        status.RestartCount++;
        status.ContainerID = $"containerd://{Interlocked.Increment(ref containerCounter):x64}";
        status.State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } };
        status.Ready = true; // no readiness probe: a running container is ready
        return await WriteStatusAsync(pod);
    }

    /// <summary>
    /// Plays the kubelet reporting that container <paramref name="container"/> ended, before it restarts it
    /// (or for good): the container is terminated, the pod still Running.
    /// </summary>
    public async Task<V1Pod> StopContainerAsync(string ns, string podName, string container, int exitCode, string reason)
    {
        var pod = await client.CoreV1.ReadNamespacedPodAsync(podName, ns);
        Terminate(pod, container, exitCode, reason);
        return await WriteStatusAsync(pod);
    }

    /// <summary>
    /// Plays the kubelet when container <paramref name="container"/> ends and the pod's restartPolicy keeps it
    /// down: the container is terminated, and the pod (of one container) ends Succeeded or Failed by its exit code.
    /// </summary>
    public async Task<V1Pod> EndContainerAsync(string ns, string podName, string container, int exitCode, string reason)
    {
        var pod = await client.CoreV1.ReadNamespacedPodAsync(podName, ns);
        Terminate(pod, container, exitCode, reason);
        pod.Status.Phase = exitCode == 0 ? "Succeeded" : "Failed";
        return await WriteStatusAsync(pod);
    }

    /// <summary>
    /// Plays the kubelet's sync of a pod whose conditions someone else changed (a controller setting the condition
    /// of a readiness gate): it computes Ready afresh and writes it if it changed.
    /// </summary>
    public async Task<V1Pod> SyncAsync(string ns, string podName) =>
        await WriteStatusAsync(await client.CoreV1.ReadNamespacedPodAsync(podName, ns));

    /// <summary>
    /// The kubelet's ContainersReady and Ready conditions for <paramref name="pod"/> (pkg/kubelet/status/generate.go):
    /// ContainersReady is True when every container reports ready (False with ContainersNotReady naming the others,
    /// PodCompleted or PodFailed once the pod ended); Ready is ContainersReady's verdict when that is not True, else
    /// False with ReadinessGatesNotReady while the condition of a readiness gate is missing or not True, else True.
    /// </summary>
    public static (V1PodCondition ContainersReady, V1PodCondition Ready) ReadinessOf(V1Pod pod)
    {
        var containersReady = ContainersReadyOf(pod);
        if (containersReady.Status != "True")
        {
            return (containersReady, new V1PodCondition { Type = "Ready", Status = containersReady.Status, Reason = containersReady.Reason, Message = containersReady.Message });
        }

        var conditions = pod.Status?.Conditions ?? [];
        var unready = new List<string>();
        foreach (var gate in pod.Spec.ReadinessGates ?? [])
        {
            var condition = conditions.FirstOrDefault(c => c.Type == gate.ConditionType);
            if (condition is null)
            {
                unready.Add($"corresponding condition of pod readiness gate \"{gate.ConditionType}\" does not exist.");
            }
            else if (condition.Status != "True")
            {
                unready.Add($"the status of pod readiness gate \"{gate.ConditionType}\" is not \"True\", but {condition.Status}");
            }
        }

        return unready.Count > 0
            ? (containersReady, new V1PodCondition { Type = "Ready", Status = "False", Reason = ReadinessGatesNotReady, Message = string.Join(", ", unready) })
            : (containersReady, new V1PodCondition { Type = "Ready", Status = "True" });
    }

    private static V1PodCondition ContainersReadyOf(V1Pod pod)
    {
        var statuses = pod.Status?.ContainerStatuses;
        if (statuses is null)
        {
            return new V1PodCondition { Type = "ContainersReady", Status = "False", Reason = "UnknownContainerStatuses" };
        }

        var unknown = pod.Spec.Containers.Where(c => statuses.All(s => s.Name != c.Name)).Select(c => c.Name).ToList();
        var unready = pod.Spec.Containers.Where(c => statuses.Any(s => s.Name == c.Name && !s.Ready)).Select(c => c.Name).ToList();
        if (pod.Status!.Phase == "Failed" || (pod.Status.Phase == "Succeeded" && unknown.Count == 0))
        {
            return new V1PodCondition { Type = "ContainersReady", Status = "False", Reason = pod.Status.Phase == "Failed" ? "PodFailed" : "PodCompleted" };
        }

        var messages = new List<string>();
        if (unknown.Count > 0)
        {
            messages.Add($"containers with unknown status: [{string.Join(" ", unknown)}]");
        }

        if (unready.Count > 0)
        {
            messages.Add($"containers with unready status: [{string.Join(" ", unready)}]");
        }

        return messages.Count > 0
            ? new V1PodCondition { Type = "ContainersReady", Status = "False", Reason = "ContainersNotReady", Message = string.Join(", ", messages) }
            : new V1PodCondition { Type = "ContainersReady", Status = "True" };
    }

    /// <summary>
    /// Writes what the kubelet owns of <paramref name="pod"/>'s status (phase, IP, container statuses and its own
    /// conditions, Ready computed with the readiness gates) with a strategic merge patch of pods/status, as the
    /// kubelet's status manager does: conditions merge by type, so the ones controllers set are kept, and the pod's
    /// UID is a precondition. A condition's lastTransitionTime moves only when its status does.
    /// </summary>
    private async Task<V1Pod> WriteStatusAsync(V1Pod pod)
    {
        var (containersReady, ready) = ReadinessOf(pod);
        var now = DateTime.UtcNow;
        var owned = new[]
        {
            new V1PodCondition { Type = "PodScheduled", Status = "True" },
            new V1PodCondition { Type = "Initialized", Status = "True" },
            containersReady,
            ready,
        };
        foreach (var condition in owned)
        {
            var previous = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == condition.Type);
            condition.LastTransitionTime = previous is not null && previous.Status == condition.Status ? previous.LastTransitionTime : now;
        }

        var patch = new
        {
            metadata = new { uid = pod.Metadata.Uid },
            status = new { phase = pod.Status!.Phase, podIP = pod.Status.PodIP, containerStatuses = pod.Status.ContainerStatuses, conditions = owned },
        };
        return await client.CoreV1.PatchNamespacedPodStatusAsync(
            new V1Patch(KubernetesJson.Serialize(patch), V1Patch.PatchType.StrategicMergePatch), pod.Metadata.Name, pod.Metadata.NamespaceProperty);
    }

    private static void Terminate(V1Pod pod, string container, int exitCode, string reason)
    {
        var status = pod.Status.ContainerStatuses.Single(c => c.Name == container);
        status.Ready = false;
        status.State = new V1ContainerState
        {
            Terminated = new V1ContainerStateTerminated
            {
                ExitCode = exitCode,
                Reason = reason,
                ContainerID = status.ContainerID,
                StartedAt = status.State?.Running?.StartedAt,
                FinishedAt = DateTime.UtcNow,
            },
        };
    }

    /// <summary>
    /// Plays the kubelet at the end of a pod's graceful termination (after the preStop hooks and the stop signal): its
    /// containers are terminated, then it deletes the pod with grace period 0, which removes it from the API server.
    /// </summary>
    public async Task FinishTerminationAsync(string ns, string podName)
    {
        var pod = await client.CoreV1.ReadNamespacedPodAsync(podName, ns);
        foreach (var container in pod.Status?.ContainerStatuses ?? [])
        {
            Terminate(pod, container.Name, 143, "Error");
        }

        await WriteStatusAsync(pod);
        await client.CoreV1.DeleteNamespacedPodAsync(podName, ns, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, gracePeriodSeconds: 0);
    }

    /// <summary>Starts the pod a Restore created, once it exists.</summary>
    public async Task<V1Pod> StartRestorePodAsync(string ns, string restoreName, TimeSpan timeout) =>
        await StartAsync(await RestorePodAsync(ns, restoreName, timeout));

    /// <summary>The pod a Restore created, once it exists.</summary>
    public async Task<V1Pod> RestorePodAsync(string ns, string restoreName, TimeSpan timeout)
    {
        V1Pod? pod = null;
        await Eventually.TrueAsync(async () =>
        {
            var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"{CryoNames.RestoreLabel}={restoreName}");
            pod = pods.Items.SingleOrDefault();
            return pod is not null;
        }, $"the pod of Restore {restoreName} is created", timeout);
        return pod!;
    }
}
