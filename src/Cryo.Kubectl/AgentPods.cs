using k8s;
using k8s.Models;

namespace Cryo.Kubectl;

/// <summary>
/// The agent pods (the DaemonSet's, <see cref="AgentInspection.AgentSelector"/>) and commands run in them through
/// <c>pods/exec</c>, as <c>kubectl exec</c> would: the node's own <c>cryo</c>, which talks to its agent.
/// </summary>
public static class AgentPods
{
    /// <summary>The running agent pod on <paramref name="nodeName"/>.</summary>
    /// <exception cref="CommandRefusedException">There is none.</exception>
    public static async Task<V1Pod> OnNodeAsync(ClusterConnection cluster, string agentNamespace, string nodeName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync(agentNamespace, labelSelector: AgentInspection.AgentSelector,
            fieldSelector: $"spec.nodeName={nodeName}", cancellationToken: cancellationToken);
        return pods.Items.FirstOrDefault(p => p.Status?.Phase == "Running")
            ?? throw new CommandRefusedException($"no running agent pod on node {nodeName} in namespace {agentNamespace} (--agent-namespace names another)");
    }

    /// <summary>The node of the first running agent pod, by node name: where an archive goes when no node is named.</summary>
    /// <exception cref="CommandRefusedException">No agent runs.</exception>
    public static async Task<string> AnyNodeAsync(ClusterConnection cluster, string agentNamespace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync(agentNamespace, labelSelector: AgentInspection.AgentSelector, cancellationToken: cancellationToken);
        return pods.Items.Where(p => p.Status?.Phase == "Running" && p.Spec?.NodeName is { Length: > 0 })
                   .Select(p => p.Spec.NodeName).Order(StringComparer.Ordinal).FirstOrDefault()
               ?? throw new CommandRefusedException($"no running agent pod in namespace {agentNamespace} (--agent-namespace names another; --node picks the node)");
    }

    /// <summary>
    /// Runs <paramref name="command"/> in <paramref name="pod"/>'s agent container: <paramref name="stdin"/> (when given) is
    /// sent as its standard input, its standard output is copied to <paramref name="stdout"/> byte for byte, its standard
    /// error is returned with the exit code.
    /// </summary>
    public static async Task<(int ExitCode, string Error)> ExecAsync(ClusterConnection cluster, V1Pod pod, IReadOnlyList<string> command,
        Stream? stdin, Stream stdout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(pod);
        var error = string.Empty;
        var exit = await cluster.Client.NamespacedPodExecAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, AgentInspection.AgentContainer,
            [.. command], false,
            async (remoteIn, remoteOut, remoteErr) =>
            {
                using var errors = new StreamReader(remoteErr);
                var readingErrors = errors.ReadToEndAsync(cancellationToken);
                var copyingOut = remoteOut.CopyToAsync(stdout, 1 << 20, cancellationToken);
                if (stdin is not null)
                {
                    // The command ends by itself at the archive's end (a v4 exec cannot close standard input).
                    await stdin.CopyToAsync(remoteIn, 256 * 1024, cancellationToken);
                    await remoteIn.FlushAsync(cancellationToken);
                }

                await copyingOut;
                error = await readingErrors;
            },
            cancellationToken);
        return (exit, error);
    }
}
