using k8s.Autorest;
using k8s.Models;

namespace Cryo.Testing.Kubernetes.Cluster;

/// <summary>
/// Plays the scheduler and the nodes' kubelets, until disposed, for the pods of one namespace a label selector names
/// (a RestoreSet's copies and warm pods, which the operator creates unscheduled): an unscheduled pod is bound to the
/// next node in turn, a bound pod is started, and a running pod whose Ready no longer agrees with its containers and
/// readiness gates (the operator set the cryo.io/restored condition) is synced, as a kubelet watching it would. A pod
/// on a node that is being deleted (the API server deletes those gracefully) has its termination finished at once, as
/// a kubelet does when the containers stop on the signal: its containers end and it is deleted with grace period 0.
/// </summary>
public sealed class KubeletLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int next;

    private KubeletLoop(IKubernetes client, FakeKubelet kubelet, string ns, string labelSelector, string[] nodes)
    {
        loop = Task.Run(() => RunAsync(client, kubelet, ns, labelSelector, nodes, stop.Token));
    }

    /// <summary>While false, pods are scheduled but not started (their placeholder does not run yet).</summary>
    public bool StartPods { get; set; } = true;

    /// <summary>Starts playing for <paramref name="nodes"/>.</summary>
    public static KubeletLoop Start(IKubernetes client, FakeKubelet kubelet, string ns, string labelSelector, params string[] nodes) =>
        new(client, kubelet, ns, labelSelector, nodes);

    /// <inheritdoc/>
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

        stop.Dispose();
    }

    private async Task RunAsync(IKubernetes client, FakeKubelet kubelet, string ns, string labelSelector, string[] nodes, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken);
            foreach (var pod in pods.Items)
            {
                try
                {
                    await PlayAsync(kubelet, pod, nodes);
                }
                catch (HttpOperationException)
                {
                    // Deleted or changed under us (the operator, the garbage collector): the next round sees it afresh.
                }
            }

            await Task.Delay(25, cancellationToken);
        }
    }

    private async Task PlayAsync(FakeKubelet kubelet, V1Pod pod, string[] nodes)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            if (!string.IsNullOrEmpty(pod.Spec.NodeName))
            {
                await kubelet.FinishTerminationAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name);
            }
        }
        else if (string.IsNullOrEmpty(pod.Spec.NodeName))
        {
            await kubelet.ScheduleAsync(pod, nodes[next++ % nodes.Length]);
        }
        else if (pod.Status?.Phase == "Pending" && StartPods)
        {
            await kubelet.StartAsync(pod);
        }
        else if (pod.Status?.Phase == "Running" &&
                 FakeKubelet.ReadinessOf(pod).Ready.Status != pod.Status.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status)
        {
            await kubelet.SyncAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name);
        }
    }
}
