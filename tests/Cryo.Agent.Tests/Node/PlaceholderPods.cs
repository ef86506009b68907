using Cryo.Agent.Tests.Placeholder;
using Cryo.Api;
using Cryo.Operator.Restores;
using k8s.Models;

namespace Cryo.Agent.Tests.Node;

/// <summary>
/// Runs on the node the pod the operator creates for a Restore (<see cref="PlaceholderPodBuilder"/>'s own output) and
/// returns it once its placeholder waits for a restore: the target of the node tests' restores.
/// </summary>
public sealed class PlaceholderPods(NodeFixture node, PlaceholderBuild build)
{
    /// <summary>An image with the placeholder where the agent image has it, for <see cref="PlaceholderSource.InitContainer"/>.</summary>
    public const string AgentImage = "localhost/cryo/agent:test";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The restore pod of <paramref name="workload"/> for <paramref name="checkpoint"/>, running its placeholder.</summary>
    public async Task<NodePod> RunAsync(V1PodSpec workload, string name, PlaceholderSource placeholder, string checkpoint = "none")
    {
        if (placeholder.Delivery == PlaceholderDelivery.InitContainer)
        {
            await EnsureAgentImageAsync();
        }

        var restore = new Restore
        {
            Metadata = new V1ObjectMeta { Name = TestPods.UniqueName(name), NamespaceProperty = TestPods.Namespace, Uid = Guid.NewGuid().ToString() },
            Spec = new RestoreSpec { CheckpointName = checkpoint, NewPod = new NewPodTarget() },
        };
        var pod = PlaceholderPodBuilder.Build(restore, workload, "app", checkpoint, placeholder);
        var running = await node.RunPodAsync(pod, CancellationToken.None);
        try
        {
            await running["app"].WaitForLogAsync(l => l.Contains("waiting for a restore", StringComparison.Ordinal), Patience, CancellationToken.None);
            return running;
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    /// <summary>An image with the placeholder where the agent image has it, and busybox's <c>cp</c> for the init container.</summary>
    private async Task EnsureAgentImageAsync()
    {
        // Node tests run one at a time, and the node imports a reference once, from one directory.
        var root = Path.Join(node.Directory, "agent-image");
        if (!Directory.Exists(root))
        {
            var building = root + ".new";
            await NodeImages.BuildBusyboxRootAsync(building, CancellationToken.None);
            var program = Path.Join(building, CryoNames.PlaceholderProgramPath.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(program)!);
            File.Copy(build.PlaceholderPath, program);
            Directory.Move(building, root);
        }
        await node.Images.ImportDirectoryAsync(root, AgentImage, null, CancellationToken.None);
    }
}
