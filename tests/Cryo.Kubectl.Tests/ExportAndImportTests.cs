using System.Buffers.Binary;
using System.Formats.Tar;
using System.Text.Json.Nodes;
using Cryo.Agent.Operations;
using Cryo.Cli;
using Cryo.Criu;
using Cryo.Testing;
using Cryo.Testing.Agent;
using Cryo.Testing.Agent.Fakes;
using Microsoft.Extensions.DependencyInjection;
using static Cryo.Kubectl.Tests.PluginCluster;

namespace Cryo.Kubectl.Tests;

/// <summary>
/// <c>kubectl cryo export</c> and <c>import</c> against the API test server: the archive travels through <c>pods/exec</c>
/// (standard input and binary standard output) to the node's own <c>cryo</c> and a real agent's store.
/// </summary>
public sealed class ExportAndImportTests : IAsyncLifetime
{
    private PluginCluster cluster = null!;
    private InProcessAgent agent = null!;
    private readonly List<PodExec> execs = [];

    public async Task InitializeAsync()
    {
        cluster = await PluginCluster.StartAsync();
        agent = await InProcessAgent.StartAsync(s => s["Store:RootDirectory"] = Path.Combine(cluster.Directory, "store"), services =>
        {
            var unused = new FakeCatalog(Path.Combine(cluster.Directory, "fake-catalog"));
            services.AddSingleton<ICheckpointEngine>(new FakeCheckpointEngine(unused));
            services.AddSingleton<IRestoreEngine>(new FakeRestoreEngine(unused));
            services.AddSingleton<ICriu>(new FakeCriu(new CriuVersion(4, 2, 1)));
        }, CancellationToken.None);
        await cluster.Kubelet.AgentPodAsync(Node, 9443);
        // The agent pod runs the node's cryo, as its container would: the archive is its standard input or output.
        cluster.Api.StreamingExec = async (exec, streams, cancellationToken) =>
        {
            execs.Add(exec);
            await using var output = new StreamWriter(streams.Stdout, leaveOpen: true);
            await using var error = new StreamWriter(streams.Stderr, leaveOpen: true);
            var code = await CryoCli.RunAsync([.. exec.Command.Skip(1), "--socket", agent.SocketPath], output, error, _ => null,
                new CliStreams(() => streams.Stdout, () => streams.Stdin, OutputIsTerminal: false), cancellationToken);
            await output.FlushAsync(cancellationToken);
            await error.FlushAsync(cancellationToken);
            return code;
        };
    }

    public async Task DisposeAsync()
    {
        await agent.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task Import_Should_CreateAnImportedCheckpointOfTheArchivesPod_And_PutTheArchiveIntoTheNodesStore()
    {
        // Arrange: a runtime's archive (no Cryo manifest), as the kubelet's /checkpoint endpoint leaves it.
        var archive = await RuntimeArchiveAsync(Path.Combine(cluster.Directory, "checkpoint-counter-0.tar"));

        // Act
        var run = await cluster.RunAsync("import", archive, "--name", "moved");
        var checkpoint = await cluster.GetAsync<Checkpoint>("checkpoints", "moved");
        var stored = await agent.UnixClient().InspectCheckpointAsync(new Contracts.Agent.V1.InspectCheckpointRequest
        {
            Checkpoint = new Contracts.Agent.V1.CheckpointRef { Namespace = Ns, Name = "moved" },
        });

        // Assert: the Checkpoint names the archive's pod and container and the node; the agent holds the archive under its UID.
        Assert.True(run.Code == 0, run.Error);
        Assert.Contains("checkpoint.cryo.io/moved imported into node node-1", run.Out, StringComparison.Ordinal);
        Assert.Equal(Node, checkpoint.Spec.Import!.NodeName);
        Assert.Equal(("counter-0", "counter"), (checkpoint.Spec.PodName, checkpoint.Spec.ContainerName));
        Assert.True(checkpoint.Metadata.Annotations.ContainsKey(CryoNames.ArchiveImportedAnnotation));
        Assert.Equal(checkpoint.Metadata.Uid, stored.Summary.OperationId);
        Assert.Equal("quay.io/example/counter:1", stored.Summary.Pod.Image);
        var exec = Assert.Single(execs);
        Assert.Equal(["cryo", "import", "-", "--name", "moved", "--namespace", Ns, "--uid", checkpoint.Metadata.Uid], exec.Command);
    }

    [Fact]
    public async Task Export_Should_WriteTheArchiveTheNodesAgentWrites_ByteForByte_When_TheCheckpointSucceeded()
    {
        // Arrange: an imported checkpoint the operator recorded as Succeeded on the node.
        var archive = await RuntimeArchiveAsync(Path.Combine(cluster.Directory, "in.tar"));
        Assert.Equal(0, (await cluster.RunAsync("import", archive, "--name", "moved")).Code);
        await cluster.SetCheckpointStatusAsync("moved", new CheckpointStatus { Phase = Phase.Succeeded, NodeName = Node });
        var file = Path.Combine(cluster.Directory, "out.tar");

        // Act
        var run = await cluster.RunAsync("export", "moved", "-o", file);

        // Assert: the kubelet's layout, the images byte for byte (binary through pods/exec), and no partial file left.
        Assert.True(run.Code == 0, run.Error);
        Assert.Contains($"to {file}", run.Error, StringComparison.Ordinal);
        var entries = TarEntries.Read(file);
        Assert.Equal(TarEntries.Read(archive)["checkpoint/pages-1.img"], entries["checkpoint/pages-1.img"]);
        Assert.Equal("counter-0", (string?)JsonNode.Parse(entries["spec.dump"])!["annotations"]!["io.kubernetes.pod.name"]);
        Assert.Equal("counter", (string?)JsonNode.Parse(entries["config.dump"])!["name"]);
        Assert.False(File.Exists(file + ".partial"));
        Assert.Equal(["cryo", "export", "moved", "--namespace", Ns], execs[^1].Command);
    }

    [Fact]
    public async Task Import_Should_DeleteTheCheckpointAgain_AndSayWhy_When_TheAgentRefusesTheArchive()
    {
        // Arrange: an entry that would leave the store.
        var archive = Path.Combine(cluster.Directory, "evil.tar");
        await using (var file = File.Create(archive))
        await using (var tar = new TarWriter(file, TarEntryFormat.Pax))
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "checkpoint/../../x") { DataStream = new MemoryStream([1]) });
        }

        // Act
        var run = await cluster.RunAsync("import", archive, "--name", "evil");

        // Assert
        Assert.Equal(1, run.Code);
        Assert.Contains("the agent on node node-1 refused the archive", run.Error, StringComparison.Ordinal);
        Assert.Contains("checkpoint/../../x", run.Error, StringComparison.Ordinal);
        Assert.Empty(await cluster.CheckpointsAsync());
    }

    [Fact]
    public async Task Export_Should_Refuse_When_TheCheckpointHasNotSucceeded()
    {
        // Arrange
        var archive = await RuntimeArchiveAsync(Path.Combine(cluster.Directory, "in.tar"));
        Assert.Equal(0, (await cluster.RunAsync("import", archive, "--name", "moved")).Code);

        // Act
        var run = await cluster.RunAsync("export", "moved", "-o", Path.Combine(cluster.Directory, "out.tar"));

        // Assert
        Assert.Equal(1, run.Code);
        Assert.Contains("has not succeeded", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(cluster.Directory, "out.tar")));
    }

    // The kubelet layout with the least CRIU images an import reads: an inventory, a process tree of one, a pages image.
    private static async Task<string> RuntimeArchiveAsync(string path)
    {
        await using var file = File.Create(path);
        await using var tar = new TarWriter(file, TarEntryFormat.Gnu);
        foreach (var (name, data) in new[]
        {
            ("config.dump", "{\"id\":\"3f1c\",\"name\":\"counter\",\"rootfsImageName\":\"quay.io/example/counter:1\",\"runtime\":\"runc\",\"createdTime\":\"2026-12-01T10:00:00Z\"}"u8.ToArray()),
            ("spec.dump", "{\"ociVersion\":\"1.0.2\",\"annotations\":{\"io.kubernetes.pod.name\":\"counter-0\",\"io.kubernetes.pod.namespace\":\"default\",\"io.kubernetes.container.name\":\"counter\"}}"u8.ToArray()),
            ("checkpoint/inventory.img", Magic(0x58313116)),
            ("checkpoint/pstree.img", [.. Magic(0x54564319), .. Magic(0x50273030), .. Magic(4), 0x08, 0x01, 0x10, 0x00]),
            ("checkpoint/pages-1.img", Enumerable.Range(0, 8192).Select(i => (byte)(i * 13)).ToArray()),
            ("deleted.files", "[]"u8.ToArray()),
        })
        {
            await tar.WriteEntryAsync(new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }

        return path;
    }

    private static byte[] Magic(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }
}
