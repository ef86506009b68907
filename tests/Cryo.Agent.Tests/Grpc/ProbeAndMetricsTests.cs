using Cryo.Contracts.Agent.V1;
using Grpc.Core;

namespace Cryo.Agent.Tests.Grpc;

public sealed class ProbeAndMetricsTests
{
    [Fact]
    public async Task Readyz_Should_Fail_When_CriuIsMissing()
    {
        await using var agent = await InProcessAgent.StartAsync(s => s["Agent:CriuPath"] = "/nonexistent/criu");

        var (status, body) = await agent.HttpGetAsync("/readyz");
        var (healthStatus, _) = await agent.HttpGetAsync("/healthz");

        Assert.Equal(503, status);
        Assert.Contains("CRIU not found at /nonexistent/criu", body, StringComparison.Ordinal);
        Assert.Equal(200, healthStatus);
    }

    [Fact]
    public async Task Readyz_Should_Succeed_When_CriuPassesItsCheckAndStoreIsWritable()
    {
        await using var agent = await InProcessAgent.StartAsync();

        var (status, body) = await agent.HttpGetAsync("/readyz");

        Assert.True(status == 200, body);
    }

    [Fact]
    public async Task Metrics_Should_ShowTheOperation_When_ACheckpointWasTaken()
    {
        await using var agent = await InProcessAgent.StartAsync();
        await agent.UnixClient().CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));

        var (status, body) = await agent.HttpGetAsync("/metrics");

        Assert.Equal(200, status);
        Assert.Contains("cryo_agent_operations_total{kind=\"checkpoint\",result=\"ok\"} 1", body, StringComparison.Ordinal);
        Assert.Contains("cryo_agent_checkpoints_stored 1", body, StringComparison.Ordinal);
        Assert.Contains("cryo_agent_checkpoint_dump_seconds_count 1", body, StringComparison.Ordinal);
        Assert.Contains("cryo_agent_checkpoint_bytes_written_total 12288", body, StringComparison.Ordinal);
        Assert.Contains("cryo_agent_store_capacity_bytes 10737418240", body, StringComparison.Ordinal);
        Assert.Contains("cryo_agent_store_available_bytes 4294967296", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_Should_ReportTheStoresSpaceAfterTheCommit_When_ItSucceeds()
    {
        await using var agent = await InProcessAgent.StartAsync();

        var result = (await agent.UnixClient().CheckpointAsync(AgentCalls.Request("web-1", "uid-1")))[^1].Result;

        Assert.Equal((10L << 30, 4L << 30), (result.StoreSpace.CapacityBytes, result.StoreSpace.AvailableBytes));
    }

    [Fact]
    public async Task Metrics_Should_LabelEachResultWithItsStatusCodeName_When_OperationsFail()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var client = agent.UnixClient();
        agent.Checkpoints.Failure = new FeatureUnavailableException("mem_dirty_track", "off");
        await Assert.ThrowsAsync<RpcException>(() => client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1")));
        await Assert.ThrowsAsync<RpcException>(async () => await client.RestoreAsync(
            new RestoreRequest { OperationId = "uid-2", Checkpoint = new CheckpointRef { Namespace = "default", Name = "nope" }, NewPidNamespace = new NewPidNamespaceTarget() },
            deadline: DateTime.UtcNow + AgentCalls.Deadline));
        await client.DeleteCheckpointAsync(new DeleteCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "nope" } },
            deadline: DateTime.UtcNow + AgentCalls.Deadline);

        var (_, body) = await agent.HttpGetAsync("/metrics");

        Assert.Contains("cryo_agent_operations_total{kind=\"checkpoint\",result=\"failed_precondition\"} 1", body, StringComparison.Ordinal);
        Assert.Contains("cryo_agent_operations_total{kind=\"restore\",result=\"not_found\"} 1", body, StringComparison.Ordinal);
        Assert.Contains("cryo_agent_operations_total{kind=\"delete\",result=\"ok\"} 1", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_Should_BeSeparatePerAgent_When_TwoAgentsRunInOneProcess()
    {
        await using var busy = await InProcessAgent.StartAsync();
        await using var idle = await InProcessAgent.StartAsync();
        await busy.UnixClient().CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));

        var (_, body) = await idle.HttpGetAsync("/metrics");

        Assert.DoesNotContain("result=\"ok\"} 1", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetNodeInfo_Should_ReportCriuVersionCapabilitiesAndSpace_When_Asked()
    {
        await using var agent = await InProcessAgent.StartAsync();

        var info = await agent.UnixClient().GetNodeInfoAsync(new GetNodeInfoRequest(), deadline: DateTime.UtcNow + AgentCalls.Deadline);

        Assert.Equal("4.2.1", info.CriuVersion);
        Assert.True(info.Capabilities["mem_dirty_track"].Available);
        Assert.False(info.Capabilities["timens"].Available);
        Assert.NotEmpty(info.Capabilities["timens"].Reason);
        Assert.Equal(InterleavedSha256.IsAvailable, info.Capabilities["paired_sha256"].Available);
        // The fake CRIU reports no userfaultfd: lazy restores would be eager, and the reason says so.
        Assert.False(info.Capabilities["lazy_pages"].Available);
        Assert.Contains("userfaultfd", info.Capabilities["lazy_pages"].Reason, StringComparison.Ordinal);
        Assert.Equal(4L << 30, info.StoreFreeBytes);
        Assert.Equal(2, info.MaxParallelOperations);
    }
}
