using Cryo.Agent.Tests.Grpc;
using Cryo.Agent.Tests.Placeholder;
using Cryo.Agent.Tests.Node;
using Cryo.Testing.Node.Csi;
using Cryo.Contracts;
using Cryo.Contracts.Agent.V1;
using Cryo.Contracts.Csi.V1;
using CsiNode = Cryo.Contracts.Csi.V1.Node;
using Grpc.Core;

namespace Cryo.Agent.Tests.Csi;

/// <summary>
/// The agent's CSI driver over its real Unix sockets, called by a gRPC client doing what the kubelet does: register
/// the plugin, publish an ephemeral inline volume to a pod's target path, unpublish it.
/// </summary>
public sealed class CsiDriverTests(PlaceholderBuild build) : IClassFixture<PlaceholderBuild>, IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly KubeletCsi kubelet = new();
    private CsiAgent agent = null!;
    private string podDirectory = null!;

    private CsiNode.NodeClient Driver => kubelet.Driver("placeholder.cryo.io")!;

    public async Task InitializeAsync()
    {
        agent = await CsiAgent.StartAsync(build.PlaceholderPath);
        podDirectory = Path.Combine(agent.Directory, "pods", Guid.NewGuid().ToString());
        await kubelet.RegisterAsync(agent.RegistrationSocket, CancellationToken.None);
    }

    public void Dispose() => kubelet.Dispose();

    public async Task DisposeAsync()
    {
        // A failed test may leave a volume mounted: never delete through a mount.
        foreach (var mount in Mounts().Where(m => m.MountPoint.StartsWith(agent.Directory, StringComparison.Ordinal)).Reverse())
        {
            await HostCommand.RunAsync("umount", mount.MountPoint);
        }

        await agent.DisposeAsync();
    }

    [Fact]
    public async Task Registration_Should_TellTheKubeletTheDriversNameSocketAndNode()
    {
        // Arrange
        using var other = new KubeletCsi();

        // Act
        var info = await other.RegisterAsync(agent.RegistrationSocket, CancellationToken.None);
        using var channel = UnixSocketChannel.Create(agent.CsiSocket);
        var identity = new Identity.IdentityClient(channel);
        var plugin = await identity.GetPluginInfoAsync(new GetPluginInfoRequest(), deadline: DateTime.UtcNow + Deadline);
        var capabilities = await identity.GetPluginCapabilitiesAsync(new GetPluginCapabilitiesRequest(), deadline: DateTime.UtcNow + Deadline);
        var probe = await identity.ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow + Deadline);
        var node = await Driver.NodeGetCapabilitiesAsync(new NodeGetCapabilitiesRequest(), deadline: DateTime.UtcNow + Deadline);

        // Assert: a node-only driver (no controller, no staging) the kubelet reaches at the socket it is told.
        Assert.Equal(("CSIPlugin", "placeholder.cryo.io", agent.CsiSocket), (info.Type, info.Name, info.Endpoint));
        Assert.Contains("1.0.0", info.SupportedVersions);
        Assert.Equal("test-node", other.NodeIds["placeholder.cryo.io"]);
        Assert.Equal("placeholder.cryo.io", plugin.Name);
        Assert.False(string.IsNullOrEmpty(plugin.VendorVersion));
        Assert.Empty(capabilities.Capabilities);
        Assert.True(probe.Ready);
        Assert.Empty(node.Capabilities);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(agent.CsiSocket));
    }

    [Fact]
    public async Task Publish_Should_ShowThePlaceholderReadOnlyAtTheTarget_And_UnpublishShouldRemoveIt()
    {
        // Arrange
        var (id, target) = Volume("cryo-placeholder");

        // Act
        await Driver.NodePublishVolumeAsync(KubeletCsi.EphemeralPublish(id, target, readOnly: true, Contents()), deadline: DateTime.UtcNow + Deadline);
        var program = Path.Combine(target, "cryo-placeholder");
        var shown = await File.ReadAllBytesAsync(program);
        var mode = File.GetUnixFileMode(program);
        var mount = Assert.Single(Mounts(), m => m.MountPoint == target);
        var write = Record.Exception(() => File.WriteAllText(Path.Combine(target, "dropped"), "x"));
        var handoffIsDirectory = Directory.Exists(Path.Combine(target, "handoff"));
        await Driver.NodeUnpublishVolumeAsync(new NodeUnpublishVolumeRequest { VolumeId = id, TargetPath = target }, deadline: DateTime.UtcNow + Deadline);

        // Assert: the very program, executable by any user, on a read-only, nosuid, nodev mount; then gone.
        Assert.Equal(await File.ReadAllBytesAsync(build.PlaceholderPath), shown);
        Assert.True(mode.HasFlag(UnixFileMode.OtherExecute) && mode.HasFlag(UnixFileMode.OtherRead), $"mode {mode}");
        Assert.True(mount.IsReadOnly, mount.MountOptions);
        Assert.Contains("nosuid", mount.MountOptions.Split(','));
        Assert.Contains("nodev", mount.MountOptions.Split(','));
        Assert.IsType<IOException>(write, exactMatch: false);
        Assert.True(handoffIsDirectory, "the published directory has no handoff mount point");
        Assert.DoesNotContain(Mounts(), m => m.MountPoint == target);
        Assert.False(Directory.Exists(target), "NodeUnpublishVolume left the target directory");
    }

    [Fact]
    public async Task Publish_Should_LeaveOneMount_When_TheKubeletRepeatsIt_And_UnpublishShouldSucceedTwice()
    {
        // Arrange
        var (id, target) = Volume("cryo-placeholder");
        var request = KubeletCsi.EphemeralPublish(id, target, readOnly: true, Contents());

        // Act
        await Driver.NodePublishVolumeAsync(request, deadline: DateTime.UtcNow + Deadline);
        await Driver.NodePublishVolumeAsync(request, deadline: DateTime.UtcNow + Deadline);
        var mounts = Mounts().Count(m => m.MountPoint == target);
        var unpublish = new NodeUnpublishVolumeRequest { VolumeId = id, TargetPath = target };
        await Driver.NodeUnpublishVolumeAsync(unpublish, deadline: DateTime.UtcNow + Deadline);
        await Driver.NodeUnpublishVolumeAsync(unpublish, deadline: DateTime.UtcNow + Deadline);

        // Assert
        Assert.Equal(1, mounts);
        Assert.DoesNotContain(Mounts(), m => m.MountPoint == target);
    }

    public static TheoryData<string, string, string> BadRequests() => new()
    {
        { "content=placeholder", "volume_context[content]", "unknown volume attribute 'content'" },
        { "contents=cli", "volume_context[contents]", "'cli' is not something this driver publishes" },
        { "writable", "readonly", "set readOnly: true" },
        { "block", "volume_capability.access_type", "a placeholder volume is a directory" },
        { "relative", "target_path", "must be an absolute path" },
        { "no-id", "volume_id", "required" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Publish_Should_RefuseWithInvalidArgumentNamingTheField_When_TheRequestIsWrong(string bad, string field, string message)
    {
        // Arrange
        var (id, target) = Volume("cryo-placeholder");
        var request = KubeletCsi.EphemeralPublish(id, target, readOnly: bad != "writable",
            bad.Contains('=', StringComparison.Ordinal) ? new Dictionary<string, string> { [bad.Split('=')[0]] = bad.Split('=')[1] } : Contents());
        if (bad == "block")
        {
            request.VolumeCapability.Block = new VolumeCapability.Types.BlockVolume();
        }
        else if (bad == "relative")
        {
            request.TargetPath = "pods/x/mount";
        }
        else if (bad == "no-id")
        {
            request.VolumeId = "";
        }

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() => Driver.NodePublishVolumeAsync(request, deadline: DateTime.UtcNow + Deadline).ResponseAsync);

        // Assert: the kubelet shows this message in the pod's events; nothing was mounted.
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Mounts(), m => m.MountPoint == target);
    }

    [Fact]
    public async Task Publish_Should_RefuseWithAlreadyExists_And_LeaveTheMount_When_SomethingElseIsMountedAtTheTarget()
    {
        // Arrange
        var (id, target) = Volume("cryo-placeholder");
        Directory.CreateDirectory(target);
        await HostCommand.RunAsync("mount", "-t", "tmpfs", "tmpfs", target);

        // Act
        var publish = await Assert.ThrowsAsync<RpcException>(() => Driver.NodePublishVolumeAsync(
            KubeletCsi.EphemeralPublish(id, target, readOnly: true, Contents()), deadline: DateTime.UtcNow + Deadline).ResponseAsync);
        var unpublish = await Assert.ThrowsAsync<RpcException>(() => Driver.NodeUnpublishVolumeAsync(
            new NodeUnpublishVolumeRequest { VolumeId = id, TargetPath = target }, deadline: DateTime.UtcNow + Deadline).ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.AlreadyExists, publish.StatusCode);
        Assert.Equal(StatusCode.AlreadyExists, unpublish.StatusCode);
        Assert.Equal("tmpfs", Assert.Single(Mounts(), m => m.MountPoint == target).FilesystemType);
    }

    [Fact]
    public async Task Services_Should_AnswerOnlyOnTheirOwnSockets()
    {
        // Act: the agent's API on the kubelet's CSI socket, and the CSI driver on the agent's socket.
        using var csi = UnixSocketChannel.Create(agent.CsiSocket);
        using var own = UnixSocketChannel.Create(agent.Agent.SocketPath);
        var agentOnCsi = await Assert.ThrowsAsync<RpcException>(() =>
            new AgentService.AgentServiceClient(csi).GetNodeInfoAsync(new GetNodeInfoRequest(), deadline: DateTime.UtcNow + Deadline).ResponseAsync);
        var csiOnAgent = await Assert.ThrowsAsync<RpcException>(() =>
            new CsiNode.NodeClient(own).NodeGetInfoAsync(new NodeGetInfoRequest(), deadline: DateTime.UtcNow + Deadline).ResponseAsync);
        var agentOnOwn = await new AgentService.AgentServiceClient(own).GetNodeInfoAsync(new GetNodeInfoRequest(), deadline: DateTime.UtcNow + Deadline);

        // Assert
        Assert.Equal(StatusCode.PermissionDenied, agentOnCsi.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, csiOnAgent.StatusCode);
        Assert.Equal("test-node", agentOnOwn.NodeName);
    }

    [Fact]
    public async Task Agent_Should_KeepPublishingTheSameDirectory_When_Restarted()
    {
        // Arrange
        var (id, target) = Volume("cryo-placeholder");
        await Driver.NodePublishVolumeAsync(KubeletCsi.EphemeralPublish(id, target, readOnly: true, Contents()), deadline: DateTime.UtcNow + Deadline);
        var published = Directory.GetDirectories(agent.PublishDirectory);

        // Act: the agent restarts (an update of the DaemonSet) while a pod has the volume mounted.
        await agent.StopAsync();
#pragma warning disable CA2000 // Stopped below; its directory is the first agent's, which that agent's disposal removes.
        var again = await CsiAgent.StartAsync(build.PlaceholderPath, agent.Directory);
#pragma warning restore CA2000
        await again.StopAsync();

        // Assert: the running pod's volume still shows the program; one directory per program build.
        Assert.True(File.Exists(Path.Combine(target, "cryo-placeholder")));
        Assert.Equal(published, Directory.GetDirectories(agent.PublishDirectory));
        Assert.Single(published);
    }

    [Fact]
    public async Task Agent_Should_RemoveAnEarlierBuildsDirectory_When_NoVolumeShowsItAnyMore()
    {
        // Arrange: a pod has a volume of this build; the agent is then updated to another build of the placeholder,
        // and an agent that died while publishing left a half-built directory.
        var (id, target) = Volume("cryo-placeholder");
        await Driver.NodePublishVolumeAsync(KubeletCsi.EphemeralPublish(id, target, readOnly: true, Contents()), deadline: DateTime.UtcNow + Deadline);
        var earlier = Assert.Single(Directory.GetDirectories(agent.PublishDirectory));
        var unused = Path.Combine(agent.PublishDirectory, "0123456789abcdef");
        Directory.CreateDirectory(Path.Combine(unused, "handoff"));
        var halfBuilt = Directory.CreateDirectory(Path.Combine(agent.PublishDirectory, ".new-" + Guid.NewGuid().ToString("N"))).FullName;
        await agent.StopAsync();
        var update = Path.Combine(agent.Directory, "cryo-placeholder-update");
        await File.WriteAllBytesAsync(update, [.. await File.ReadAllBytesAsync(build.PlaceholderPath), 0]);

        // Act: the updated agent starts, then the kubelet unpublishes the running pod's volume through it.
#pragma warning disable CA2000 // Stopped below; its directory is the first agent's, which that agent's disposal removes.
        var updated = await CsiAgent.StartAsync(update, agent.Directory);
#pragma warning restore CA2000
        try
        {
            var atStart = Directory.GetDirectories(agent.PublishDirectory).Order().ToList();
            using var kubeletAfter = new KubeletCsi();
            await kubeletAfter.RegisterAsync(updated.RegistrationSocket, CancellationToken.None);
            await kubeletAfter.Driver("placeholder.cryo.io")!.NodeUnpublishVolumeAsync(
                new NodeUnpublishVolumeRequest { VolumeId = id, TargetPath = target }, deadline: DateTime.UtcNow + Deadline);
            var afterUnpublish = Directory.GetDirectories(agent.PublishDirectory);

            // Assert: at start-up only what no volume shows went; the earlier build's directory went with its last volume.
            Assert.Contains(earlier, atStart);
            Assert.DoesNotContain(unused, atStart);
            Assert.DoesNotContain(halfBuilt, atStart);
            Assert.Equal(2, atStart.Count);
            Assert.False(Directory.Exists(target));
            var current = Assert.Single(afterUnpublish);
            Assert.NotEqual(earlier, current);
            Assert.True(File.Exists(Path.Combine(current, "cryo-placeholder")));
        }
        finally
        {
            await updated.StopAsync();
        }
    }

    private (string Id, string Target) Volume(string name)
    {
        var target = KubeletCsi.TargetPath(podDirectory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!); // the kubelet makes the parent, the driver the target
        return (KubeletCsi.EphemeralVolumeId(Path.GetFileName(podDirectory), name), target);
    }

    private static Dictionary<string, string> Contents() => new() { ["contents"] = "placeholder" };

    private static IReadOnlyList<MountInfo> Mounts() => MountInfo.ParseAll(File.ReadAllText("/proc/self/mountinfo"));
}
