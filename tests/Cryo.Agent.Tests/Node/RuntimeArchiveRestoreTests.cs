using System.Globalization;
using System.Text.Json;
using Cryo.Agent.Interop;
using Cryo.Agent.Tests.Placeholder;
using Cryo.Operator.Restores;

namespace Cryo.Agent.Tests.Node;

/// <summary>
/// The kubelet's checkpoint archive as a runtime makes it, restored into a new pod: a pod's container is dumped by
/// runc itself (<c>runc checkpoint</c> on the node's containerd's runc root, what containerd's and CRI-O's
/// <c>CheckpointContainer</c> run), assembled in the kubelet's layout, imported, and restored by the real engine into
/// the pod the operator builds for a Restore. runc dumps from outside the container: the pod's network namespace is
/// external in the images (<c>extRootNetNS</c>) and its masked paths are binds of <c>/dev/null</c>.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class RuntimeArchiveRestoreTests(NodeFixture node, PlaceholderBuild build) : IClassFixture<PlaceholderBuild>, IDisposable
{
    private const string Criu = "/opt/cryo/criu/bin/criu";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Counts on stdout, keeps a token written at run time and deletes a file of its image; ends with 7 on /tmp/exit.
    private const string App =
        "cat /proc/sys/kernel/random/uuid > /tmp/made-at-runtime; rm /bin/vi\n" +
        "i=0; while [ ! -e /tmp/exit ]; do i=$((i+1)); echo tick $i; sleep 0.1; done; exit 7\n";

    private readonly TestEngines engines = new();
    private readonly TempDirectory scratch = new("cryo-runtime-archive-");

    public void Dispose()
    {
        scratch.Dispose();
        engines.Dispose();
    }

    [Fact]
    public async Task Import_Should_RestoreIntoANewPod_When_TheArchiveHoldsImagesRuncDumped()
    {
        var token = CancellationToken.None;
        await using var workload = await node.RunPodAsync(TestPods.Shell("work", App), token);
        var source = workload["app"];
        await source.WaitForLogAsync(l => Ticks(l).Count >= 5, Patience, token);
        var made = (await source.ExecSyncAsync(["cat", "/tmp/made-at-runtime"], Patience, token)).Stdout.Trim();
        var sourceHostname = (await source.ExecSyncAsync(["hostname"], Patience, token)).Stdout.Trim();
        var archive = await RuncArchiveAsync(source, token);
        var lastBeforeCheckpoint = Ticks(source.Stdout)[^1];

        var imported = await ImportAsync(archive, "from-runc", token);
        await using var copy = await new PlaceholderPods(node, build).RunAsync(workload.Pod.Spec, "copy", PlaceholderSource.InitContainer(PlaceholderPods.AgentImage), "from-runc");
        var target = copy["app"];
        var outcome = await engines.Restores.RestoreAsync(
            new RestoreCommand(TestEngines.NewOperationId(), "default", "from-runc", ProcessTreeRef.ForContainer(target.Id), Patience), token);

        Assert.Equal("extRootNetNS", imported.Manifest.Source.ExternalNetworkNamespaceKey);
        Assert.Equal(["/dev/null"], imported.Manifest.Source.DevNullMountKeys);
        var log = await target.WaitForLogAsync(l => Ticks(l).Count >= 3, Patience, token);
        Assert.True(Ticks(log)[0] > 0 && Ticks(log)[0] <= lastBeforeCheckpoint + 1, $"the copy's log does not go on from tick {lastBeforeCheckpoint}: {log}");
        Assert.Equal(made, (await target.ExecSyncAsync(["cat", "/tmp/made-at-runtime"], Patience, token)).Stdout.Trim());
        Assert.NotEqual(0, (await target.ExecSyncAsync(["ls", "/bin/vi"], Patience, token)).ExitCode);
        // The restored tree lives in the new pod's network namespace, not the one runc dumped it from.
        Assert.Equal(Namespace(target.InitPid, "net"), Namespace(outcome.HostPid, "net"));
        Assert.NotEqual(Namespace(source.InitPid, "net"), Namespace(outcome.HostPid, "net"));
        // runc's masked files (those this kernel has) came back as binds of /dev/null.
        var keys = File.ReadLines($"/proc/{outcome.HostPid}/mountinfo").Select(MountInfo.Parse).Single(m => m.MountPoint == "/proc/keys");
        Assert.Equal("/null", keys.Root);
        // The UTS namespace was in runc's images: CRIU made it anew, with the checkpointed pod's host name.
        Assert.Equal(sourceHostname, (await HostCommand.RunAsync("nsenter", "-t", outcome.HostPid.ToString(CultureInfo.InvariantCulture), "-u", "hostname")).Trim());
        await target.ExecSyncAsync(["touch", "/tmp/exit"], Patience, token);
        Assert.Equal(7, (await target.WaitForExitAsync(Patience, token)).ExitCode);
    }

    // What containerd's and CRI-O's CheckpointContainer do: runc dumps the running container into checkpoint/
    // (runc writes descriptors.json there), and the runtime adds config.dump, spec.dump (the bundle's config.json),
    // the writable layer's files in rootfs-diff.tar (without overlay's whiteouts) and the deleted paths.
    private async Task<string> RuncArchiveAsync(NodeContainer source, CancellationToken token)
    {
        var root = scratch.Combine("archive");
        var images = Path.Join(root, KubeletArchiveLayout.CheckpointDirectory);
        Directory.CreateDirectory(images);
        await HostCommand.RunAsync("runc", ["--root", Path.Join(node.Containerd.StateDirectory, "runc", "k8s.io"), "--criu", Criu,
            "checkpoint", "--image-path", images, "--work-path", scratch.Combine("work"), "--leave-running", source.Id], token, Patience);
        File.Copy(Path.Join(source.BundleDirectory, "config.json"), Path.Join(root, KubeletArchiveLayout.SpecDump));
        await File.WriteAllTextAsync(Path.Join(root, KubeletArchiveLayout.ConfigDump), JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["id"] = source.Id, ["name"] = source.Name, ["rootfsImageName"] = NodeImages.Busybox, ["rootfsImage"] = NodeImages.Busybox,
            ["runtime"] = "runc", ["createdTime"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["checkpointedTime"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        }), token);
        await File.WriteAllTextAsync(Path.Join(root, KubeletArchiveLayout.DeletedFiles), "[\"/bin/vi\"]", token);
        var upper = File.ReadLines($"/proc/{source.InitPid}/mountinfo").Select(MountInfo.Parse).Last(m => m.MountPoint == "/")
            .SuperOptions.Split(',').Single(o => o.StartsWith("upperdir=", StringComparison.Ordinal))["upperdir=".Length..];
        await HostCommand.RunAsync("/bin/sh", "-c", $"cd '{upper}' && find . ! -type c | tar --no-recursion -cf '{root}/rootfs-diff.tar' -T -");
        var archive = scratch.Combine("runtime.tar");
        await HostCommand.RunAsync("tar", "-cf", archive, "-C", root, KubeletArchiveLayout.ConfigDump, KubeletArchiveLayout.SpecDump,
            KubeletArchiveLayout.CheckpointDirectory, KubeletArchiveLayout.RootfsDiff, KubeletArchiveLayout.DeletedFiles);
        return archive;
    }

    private async Task<StoredCheckpoint> ImportAsync(string archive, string name, CancellationToken token)
    {
        await using var stream = File.OpenRead(archive);
        var result = await new CheckpointImporter(engines.Store, node.NodeName).ImportAsync(stream, new CheckpointKey("default", name, Guid.NewGuid().ToString()), token);
        return result.Checkpoint;
    }

    private static string Namespace(int pid, string kind) => new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget!;

    private static List<int> Ticks(string log) =>
        log.Split('\n').Where(l => l.StartsWith("tick ", StringComparison.Ordinal))
            .Select(l => int.Parse(l["tick ".Length..].Trim(), CultureInfo.InvariantCulture)).ToList();
}
