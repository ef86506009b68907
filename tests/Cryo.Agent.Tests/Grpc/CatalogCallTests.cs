using Cryo.Contracts.Agent.V1;
using Google.Rpc;
using Grpc.Core;

namespace Cryo.Agent.Tests.Grpc;

public sealed class CatalogCallTests
{
    [Fact]
    public async Task Inspect_Should_ShowTheManifest_When_CheckpointExists()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var client = agent.UnixClient();
        await client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));

        var details = await client.InspectCheckpointAsync(new InspectCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "web-1" } },
            deadline: DateTime.UtcNow + AgentCalls.Deadline);

        Assert.Equal("uid-1", details.Summary.OperationId);
        Assert.Equal("web-0", details.Summary.Pod.PodName);
        Assert.True(details.Summary.Options.LeaveRunning);
        Assert.Equal(["/bin/sleep", "1000"], details.Processes[0].Args);
        Assert.Equal("images/pages-1.img", details.Files[0].Path);
    }

    [Fact]
    public async Task Inspect_Should_FailWithNotFound_When_CheckpointIsMissing()
    {
        await using var agent = await InProcessAgent.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await agent.UnixClient().InspectCheckpointAsync(
            new InspectCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "nope" } },
            deadline: DateTime.UtcNow + AgentCalls.Deadline));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("default/nope", error.GetRpcStatus()!.GetDetail<ResourceInfo>().ResourceName);
    }

    [Fact]
    public async Task Delete_Should_SucceedSayingNothingWasThere_When_CheckpointIsMissing()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var client = agent.UnixClient();
        await client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));
        var request = new DeleteCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "web-1" } };

        var first = await client.DeleteCheckpointAsync(request, deadline: DateTime.UtcNow + AgentCalls.Deadline);
        var second = await client.DeleteCheckpointAsync(request, deadline: DateTime.UtcNow + AgentCalls.Deadline);
        var list = await client.ListCheckpointsAsync(new ListCheckpointsRequest { Namespace = "default" }, deadline: DateTime.UtcNow + AgentCalls.Deadline);

        Assert.True(first.Deleted);
        Assert.Equal(12288, first.FreedBytes);
        Assert.False(second.Deleted);
        Assert.Empty(list.Checkpoints);
    }

    [Fact]
    public async Task Checkpoint_Should_FailWithDeadlineExceeded_When_EngineOutlivesTheTimeout()
    {
        await using var agent = await InProcessAgent.StartAsync();
        agent.Checkpoints.Hold = true;
        var request = AgentCalls.Request("web-1", "uid-1");
        request.TimeoutSeconds = 1;

        var error = await Assert.ThrowsAsync<RpcException>(() => agent.UnixClient().CheckpointAsync(request));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal("TIMED_OUT", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }
}
