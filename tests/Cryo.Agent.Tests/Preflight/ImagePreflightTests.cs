using Cryo.Agent.Tests.Node;
using Cryo.Contracts.Agent.V1;

namespace Cryo.Agent.Tests.Preflight;

/// <summary>
/// The restore preflight asks the node's container runtime, through its real CRI socket (the node harness's containerd),
/// whether the checkpoint's image is there, and says what a missing one means for the restore.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class ImagePreflightTests(NodeFixture node)
{
    private const string Missing = "localhost/cryo/not-imported:1";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Preflight_Should_FindNoGap_When_TheImageIsOnTheNode()
    {
        await using var agent = await InProcessAgent.StartAsync(Settings(node.Containerd.Address));

        var answer = await PreflightAsync(agent, NodeImages.Busybox, policy: "Never");

        Assert.True(answer.CanRestore, string.Join("; ", answer.Gaps.Select(g => g.Message)));
        Assert.DoesNotContain(answer.Unchecked, u => u.StartsWith("image:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Preflight_Should_NameTheMissingImage_When_ItIsNotOnTheNode()
    {
        await using var agent = await InProcessAgent.StartAsync(Settings(node.Containerd.Address));

        var never = await PreflightAsync(agent, Missing, policy: "Never");
        var ifNotPresent = await PreflightAsync(agent, Missing, policy: "IfNotPresent");

        Assert.False(never.CanRestore);
        var gap = Assert.Single(never.Gaps);
        Assert.Equal(("image", Missing), (gap.Kind, gap.Name));
        Assert.Contains($"image {Missing} not present on node node-b", gap.Message, StringComparison.Ordinal);
        Assert.Contains("imagePullPolicy Never", gap.Message, StringComparison.Ordinal);
        // The kubelet pulls it: not a gap, but said.
        Assert.True(ifNotPresent.CanRestore, string.Join("; ", ifNotPresent.Gaps.Select(g => g.Message)));
        Assert.Contains(ifNotPresent.Unchecked, u => u.Contains($"image {Missing} not present on node node-b; the kubelet will pull it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Preflight_Should_SayTheImageWasNotChecked_When_TheCriSocketIsAbsent()
    {
        var absent = Path.Combine(node.Directory, "no-such-runtime.sock");
        await using var agent = await InProcessAgent.StartAsync(Settings(absent));

        var answer = await PreflightAsync(agent, NodeImages.Busybox, policy: "Never");

        Assert.True(answer.CanRestore, string.Join("; ", answer.Gaps.Select(g => g.Message)));
        var note = Assert.Single(answer.Unchecked, u => u.StartsWith("image:", StringComparison.Ordinal));
        Assert.Contains(absent, note, StringComparison.Ordinal);
        Assert.Contains("Agent:CriSocketPath", note, StringComparison.Ordinal);
    }

    private static Action<Dictionary<string, string?>> Settings(string criSocket) => settings =>
    {
        settings["Agent:NodeName"] = "node-b";
        settings["Agent:CriSocketPath"] = criSocket;
    };

    private static async Task<PreflightResponse> PreflightAsync(InProcessAgent agent, string image, string policy)
    {
        var request = new PreflightRequest { Requirements = new RestoreRequirements { Image = image, SourceNode = "node-a" }, ImagePullPolicy = policy };
        return await agent.UnixClient().PreflightAsync(request, deadline: DateTime.UtcNow + Patience);
    }
}
