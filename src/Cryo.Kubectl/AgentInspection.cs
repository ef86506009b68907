using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Cryo.Kubectl;

/// <summary>
/// What only the node knows about a checkpoint (its process tree and files, from its manifest): the agent's own
/// <c>cryo inspect --output json</c>, run through <c>pods/exec</c> in the agent pod on the checkpoint's node, as
/// <c>kubectl exec</c> would. Needs <c>create</c> on <c>pods/exec</c> in the agent's namespace.
/// </summary>
public static class AgentInspection
{
    /// <summary>The label every agent pod carries (with the release's name and instance labels).</summary>
    public const string AgentSelector = "app.kubernetes.io/component=agent";

    /// <summary>The agent pod's container.</summary>
    public const string AgentContainer = "agent";

    /// <summary>The agent's answer, or why there is none.</summary>
    public static async Task<(JsonNode? Details, string? Unavailable)> ReadAsync(ClusterConnection cluster, string agentNamespace,
        string nodeName, string ns, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        string? agentPod = null;
        try
        {
            var pods = await cluster.Client.CoreV1.ListNamespacedPodAsync(agentNamespace, labelSelector: AgentSelector,
                fieldSelector: $"spec.nodeName={nodeName}", cancellationToken: cancellationToken);
            var agent = pods.Items.FirstOrDefault(p => p.Status?.Phase == "Running");
            if (agent is null)
            {
                return (null, $"no running agent pod on node {nodeName} in namespace {agentNamespace} (--agent-namespace names another)");
            }

            agentPod = agent.Metadata.Name;

            var output = new StringBuilder();
            var errors = new StringBuilder();
            var exit = await cluster.Client.NamespacedPodExecAsync(agent.Metadata.Name, agentNamespace, AgentContainer,
                ["cryo", "inspect", name, "--namespace", ns, "--output", "json"], false,
                async (_, stdout, stderr) =>
                {
                    using var outReader = new StreamReader(stdout, Encoding.UTF8);
                    using var errReader = new StreamReader(stderr, Encoding.UTF8);
                    var reading = errReader.ReadToEndAsync(cancellationToken);
                    output.Append(await outReader.ReadToEndAsync(cancellationToken));
                    errors.Append(await reading);
                },
                cancellationToken);
            if (exit != 0)
            {
                return (null, $"cryo inspect in agent pod {agentNamespace}/{agent.Metadata.Name} exited {exit}: {FirstLine(errors, output)}");
            }

            return (JsonNode.Parse(output.ToString()), null);
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            return (null, $"the API server refused ({(int)e.Response.StatusCode}; {InspectNeeds(agentNamespace)}): {FirstLine(new StringBuilder(e.Response.Content ?? e.Message))}");
        }
        catch (Exception e) when (e is HttpRequestException or System.Net.WebSockets.WebSocketException or KubernetesException)
        {
            return (null, $"exec into agent pod {agentNamespace}/{agentPod} failed ({InspectNeeds(agentNamespace)}): {e.Message}");
        }
        catch (JsonException e)
        {
            return (null, $"cryo inspect in agent pod {agentNamespace}/{agentPod} printed no JSON: {e.Message}");
        }
    }

    private static string InspectNeeds(string agentNamespace) => $"inspect needs list on pods and create on pods/exec in namespace {agentNamespace}";

    private static string FirstLine(StringBuilder first, StringBuilder? second = null)
    {
        var text = first.Length > 0 ? first.ToString() : second?.ToString() ?? "";
        return text.Trim().Split('\n', 2)[0];
    }
}
