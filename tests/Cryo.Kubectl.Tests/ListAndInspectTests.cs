using System.Text.Json;
using Cryo.Cli;
using Cryo.Testing.Agent;
using Cryo.Testing.Kubernetes.Cluster;
using YamlDotNet.Serialization;
using static Cryo.Kubectl.Tests.PluginCluster;

namespace Cryo.Kubectl.Tests;

/// <summary><c>kubectl cryo ls</c> and <c>inspect</c>: what the cluster knows, and what the agent on the node adds.</summary>
public sealed class ListAndInspectTests : IAsyncLifetime
{
    private PluginCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await PluginCluster.StartAsync();

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Ls_Should_ListTheNamespacesCheckpointsAsATable_OldestFirst()
    {
        // Arrange
        await cluster.SucceededCheckpointAsync("web-1");
        await cluster.SucceededCheckpointAsync("web-2", parent: "web-1");

        // Act
        var run = await cluster.RunAsync("ls");
        var empty = await cluster.RunAsync("ls", "-n", "elsewhere");

        // Assert
        Assert.True(run.Code == 0, run.Error);
        var lines = run.Out.TrimEnd().Split('\n');
        Assert.Equal(["NAME", "POD", "CONTAINER", "PHASE", "SIZE", "STORED", "NODE", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["web-1", "web", "app", "Succeeded", "58.0", "MiB", "node-1"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..7]);
        Assert.StartsWith("web-2 ", lines[2], StringComparison.Ordinal);
        Assert.Equal("No checkpoints found in elsewhere namespace.\n", empty.Out);
    }

    [Fact]
    public async Task Ls_Should_PrintTheSameObjects_AsJsonAndAsYaml()
    {
        // Arrange: a message with ': ' and a name that reads as a number must survive YAML.
        await cluster.SucceededCheckpointAsync("web-1");
        await cluster.SetCheckpointStatusAsync("web-1", new CheckpointStatus { Phase = Phase.Failed, Message = "agent said: no: 'quoted' #1\nsecond line", CriuVersion = "4.20" });

        // Act
        var json = await cluster.RunAsync("ls", "-o", "json");
        var yaml = await cluster.RunAsync("ls", "-o", "yaml");

        // Assert: YAML read back is the JSON document.
        Assert.True(yaml.Code == 0, yaml.Error);
        var fromYaml = new DeserializerBuilder().Build().Deserialize<object>(yaml.Out);
        var asJson = new SerializerBuilder().JsonCompatible().Build().Serialize(fromYaml);
        using var expected = JsonDocument.Parse(json.Out);
        using var actual = JsonDocument.Parse(asJson);
        Assert.Equal(Normalize(expected.RootElement), Normalize(actual.RootElement));
        Assert.Equal("agent said: no: 'quoted' #1\nsecond line", actual.RootElement.GetProperty("items")[0].GetProperty("status").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Inspect_Should_ShowTheChainTheRestoresAndTheAgentsProcessTree()
    {
        // Arrange: a chain of two, a Restore of the child, and the node's agent holding the child's images.
        await using var agent = await InProcessAgent.StartAsync();
        await cluster.Kubelet.AgentPodAsync(Node, 9443);
        await cluster.SucceededCheckpointAsync("web-1");
        await cluster.SucceededCheckpointAsync("web-2", parent: "web-1");
        await cluster.RestoreIntoNewPodAsync("copy-1", "web-2");
        Assert.Equal(0, await CryoCliAsync(agent, ["checkpoint", "--pid", "4242", "--name", "web-2", "--namespace", Ns]));
        var execs = new List<PodExec>();
        cluster.Api.Exec = async (exec, _) =>
        {
            execs.Add(exec);
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = await CryoCli.RunAsync([.. exec.Command.Skip(1), "--socket", agent.SocketPath], output, error, _ => null, CancellationToken.None);
            return new PodExecResult(output.ToString(), error.ToString(), code);
        };

        // Act
        var text = await cluster.RunAsync("inspect", "web-2");
        var json = await cluster.RunAsync("inspect", "web-2", "-o", "json");

        // Assert: the agent pod of the checkpoint's node ran the agent's own cryo inspect.
        Assert.True(text.Code == 0, text.Error);
        var exec = execs[0];
        Assert.Equal((FakeKubelet.AgentNamespace, $"cryo-agent-{Node}", "agent"), (exec.Namespace, exec.Pod, exec.Container));
        Assert.Equal(["cryo", "inspect", "web-2", "--namespace", Ns, "--output", "json"], exec.Command);
        Assert.Contains("Chain:         web-2 <- web-1 (2 checkpoints)", text.Out, StringComparison.Ordinal);
        Assert.Contains("Restores:      copy-1 (Pending)", text.Out, StringComparison.Ordinal);
        Assert.Contains("Size:          58.0 MiB", text.Out, StringComparison.Ordinal);
        Assert.Contains("Processes (", text.Out, StringComparison.Ordinal);
        Assert.Contains("/bin/sleep", text.Out, StringComparison.Ordinal);
        var document = json.Json();
        Assert.Equal(2, document.GetProperty("chainLength").GetInt32());
        Assert.Equal("/bin/sleep", document.GetProperty("agent").GetProperty("processes")[0].GetProperty("args")[0].GetString());
        Assert.Equal("copy-1", document.GetProperty("restores")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Inspect_Should_SayThePageImagesAreCompressed_When_TheCheckpointIsZstd()
    {
        // Arrange: the status the operator writes for a compressed checkpoint.
        var status = (await cluster.SucceededCheckpointAsync("web-1")).Status!;
        status.StoredBytes = 21L << 20;
        status.Compression = CheckpointCompression.Zstd;
        await cluster.SetCheckpointStatusAsync("web-1", status);

        // Act
        var run = await cluster.RunAsync("inspect", "web-1", "--no-agent");

        // Assert
        Assert.True(run.Code == 0, run.Error);
        Assert.Contains("Size:          58.0 MiB, 21.0 MiB of it stored by this checkpoint, page images compressed with zstd", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_Should_ShowWhatTheClusterKnows_AndSayWhy_When_ExecIntoTheAgentIsForbidden()
    {
        // Arrange
        await cluster.Kubelet.AgentPodAsync(Node, 9443);
        await cluster.SucceededCheckpointAsync("web-1");
        cluster.Api.Deny = (method, path) => path.EndsWith("/exec", StringComparison.Ordinal)
            ? "pods \"cryo-agent-node-1\" is forbidden: User \"dev\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"cryo-system\""
            : null;

        // Act
        var run = await cluster.RunAsync("inspect", "web-1");
        var json = await cluster.RunAsync("inspect", "web-1", "-o", "json");

        // Assert
        Assert.True(run.Code == 0, run.Error);
        Assert.Contains("Node:          node-1", run.Out, StringComparison.Ordinal);
        Assert.Contains("Processes and files: not shown: ", run.Out, StringComparison.Ordinal);
        Assert.Contains("Processes and files: not shown: exec into agent pod cryo-system/cryo-agent-node-1 failed "
            + "(inspect needs list on pods and create on pods/exec in namespace cryo-system): ", run.Out, StringComparison.Ordinal);
        Assert.Contains("403", run.Out, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, json.Json().GetProperty("agent").ValueKind);
        Assert.StartsWith("exec into agent pod cryo-system/cryo-agent-node-1 failed", json.Json().GetProperty("agentUnavailable").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_Should_ExitOne_When_TheCheckpointDoesNotExist()
    {
        var run = await cluster.RunAsync("inspect", "nope");

        Assert.Equal(1, run.Code);
        Assert.Equal("error: checkpoint apps/nope does not exist (kubectl cryo ls lists them)\n", run.Error);
    }

    private static async Task<int> CryoCliAsync(InProcessAgent agent, string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        return await CryoCli.RunAsync([.. args, "--socket", agent.SocketPath], output, error, _ => null, CancellationToken.None);
    }

    // YAML readers give every scalar back as a string: compare documents with scalars as their text.
    private static string Normalize(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}:{Normalize(p.Value)}")) + "}",
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Normalize)) + "]",
        JsonValueKind.String => element.GetString()!,
        _ => element.GetRawText(),
    };
}
