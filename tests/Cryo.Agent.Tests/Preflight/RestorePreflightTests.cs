using Cryo.Agent.Tests.Grpc;
using Cryo.Agent.Tests.Transfer;
using Cryo.Contracts.Agent.V1;
using Cryo.Testing.Agent.Harness;
using Google.Protobuf;

namespace Cryo.Agent.Tests.Preflight;

/// <summary>
/// Two agents with separate stores stand in for two nodes: the target agent says, before anything is moved, whether it can
/// restore what the source agent checkpointed with real CRIU, each gap named.
/// </summary>
public sealed class RestorePreflightTests(TestPkiFixture fixture) : IClassFixture<TestPkiFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private TestPki Pki => fixture.Pki;

    [Fact]
    public async Task Preflight_Should_FindNoGap_And_CheckTheCpu_When_TheSourceNodeIsLikeThisOne()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a");
        await using var agentB = await PeerAgents.StartAsync(target, Pki, "node-b");
        await CheckpointCounterAsync(source, "moving");

        var answer = await PreflightAsync(agentB, new PreflightRequest { Checkpoint = Ref("moving"), SourceAddress = agentA.TlsAddress, SourceNode = "node-a" });

        Assert.True(answer.CanRestore, string.Join("; ", answer.Gaps.Select(g => g.Message)));
        Assert.Empty(answer.Gaps);
        Assert.Empty(answer.Unchecked);
        Assert.Equal("node-b", answer.NodeName);
        Assert.NotEmpty(Assert.Single(source.Store.List()).Manifest.Extra[ManifestExtraKeys.CriuCpuinfo]);
        Assert.Empty(target.Store.List());
    }

    [Fact]
    public async Task Preflight_Should_NameTheCriuTheKernelAndTheCpu_When_TheCheckpointNeedsNewerOnesThanThisNodeHas()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a");
        await using var agentB = await PeerAgents.StartAsync(target, Pki, "node-b");
        await CheckpointCounterAsync(source, "moving");
        // What a checkpoint taken on a newer node with a bigger CPU records.
        var stored = Assert.Single(source.Store.List());
        var manifest = stored.Manifest;
        manifest.Criu.Version = "99.1.0";
        manifest.Criu.KernelRelease = "99.0.0-future";
        manifest.Extra[ManifestExtraKeys.CriuCpuinfo] = Convert.ToBase64String(
            CpuinfoImages.ClaimingEveryFeature(Convert.FromBase64String(manifest.Extra[ManifestExtraKeys.CriuCpuinfo])));
        await manifest.SaveAsync(Path.Combine(stored.Directory, CheckpointManifest.FileName), CancellationToken.None);

        var answer = await PreflightAsync(agentB, new PreflightRequest { Checkpoint = Ref("moving"), SourceAddress = agentA.TlsAddress, SourceNode = "node-a" });

        Assert.False(answer.CanRestore);
        Assert.Equal(["cpu", "criu_version", "kernel"], answer.Gaps.Select(g => g.Kind).Order(StringComparer.Ordinal));
        var criu = answer.Gaps.Single(g => g.Kind == "criu_version");
        Assert.Equal("99.1.0", criu.Required);
        Assert.Equal(answer.CriuVersion, criu.Found);
        Assert.Contains("node-a", criu.Message, StringComparison.Ordinal);
        Assert.Contains("instruction capabilities", answer.Gaps.Single(g => g.Kind == "cpu").Found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preflight_Should_NameTheFeature_When_RequirementsFromTheSourceNodeNeedOneThisKernelLacks()
    {
        using var source = new TestEngines();
        using var target = new TestEngines();
        await using var agentA = await PeerAgents.StartAsync(source, Pki, "node-a");
        await using var agentB = await PeerAgents.StartAsync(target, Pki, "node-b");
        var sourceNode = await agentA.UnixClient().GetNodeInfoAsync(new GetNodeInfoRequest(), deadline: DateTime.UtcNow + Patience);
        var requirements = new RestoreRequirements
        {
            CriuVersion = sourceNode.CriuVersion, KernelRelease = sourceNode.KernelRelease, Cpuinfo = sourceNode.Cpuinfo, SourceNode = sourceNode.NodeName,
        };

        var likeThisNode = await PreflightAsync(agentB, new PreflightRequest { Requirements = requirements });
        // This kernel has no soft-dirty tracking (criu.md): a restore that needed it could not run here.
        requirements.Features.Add("mem_dirty_track");
        var needingTracking = await PreflightAsync(agentB, new PreflightRequest { Requirements = requirements });

        Assert.False(sourceNode.Cpuinfo.IsEmpty);
        Assert.True(likeThisNode.CanRestore, string.Join("; ", likeThisNode.Gaps.Select(g => g.Message)));
        Assert.Empty(likeThisNode.Unchecked);
        var gap = Assert.Single(needingTracking.Gaps);
        Assert.Equal(("feature", "mem_dirty_track"), (gap.Kind, gap.Name));
        Assert.Contains("mem_dirty_track", gap.Message, StringComparison.Ordinal);
    }

    private static async Task CheckpointCounterAsync(TestEngines engines, string name)
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 1, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, name), new Progress<Operations.CheckpointStage>(), CancellationToken.None);
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
    }

    private static async Task<PreflightResponse> PreflightAsync(InProcessAgent agent, PreflightRequest request) =>
        await agent.UnixClient().PreflightAsync(request, deadline: DateTime.UtcNow + Patience);

    private static CheckpointRef Ref(string name) => new() { Namespace = "default", Name = name };
}
