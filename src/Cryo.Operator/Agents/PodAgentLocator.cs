using Cryo.Api;
using Cryo.Operator.Configuration;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Cryo.Operator.Agents;

/// <summary>
/// Finds a node's agent among the agent DaemonSet's pods: label selector plus <c>spec.nodeName</c>,
/// ready and not terminating; dials its pod IP on its container port named <c>grpc</c> (else the
/// configured port).
/// </summary>
public sealed class PodAgentLocator(IKubernetes client, IOptions<OperatorOptions> options) : IAgentLocator
{
    private readonly OperatorOptions settings = options.Value;

    /// <inheritdoc/>
    public async Task<AgentEndpoint> LocateAsync(string nodeName, CancellationToken cancellationToken)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync(
            settings.AgentNamespace, labelSelector: settings.AgentLabelSelector, fieldSelector: $"spec.nodeName={nodeName}",
            cancellationToken: cancellationToken);
        var pod = pods.Items.FirstOrDefault(IsReady)
                  ?? throw new AgentNotFoundException(nodeName, settings.AgentLabelSelector, settings.AgentNamespace);
        var port = pod.Spec.Containers.SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == "grpc")?.ContainerPort ?? settings.AgentPort;
        var scheme = settings.Tls.Enabled ? "https" : "http";
        return new AgentEndpoint(nodeName, pod.Metadata.Name, new Uri($"{scheme}://{pod.Status.PodIP}:{port}"));
    }

    private static bool IsReady(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null &&
        pod.Status?.Phase == "Running" &&
        !string.IsNullOrEmpty(pod.Status.PodIP) &&
        pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == ConditionStatus.True) == true;
}
