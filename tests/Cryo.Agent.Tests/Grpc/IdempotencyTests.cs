using Cryo.Contracts.Agent.V1;
using Google.Rpc;
using Grpc.Core;

namespace Cryo.Agent.Tests.Grpc;

public sealed class IdempotencyTests
{
    [Fact]
    public async Task Checkpoint_Should_DumpOnceAndReturnTheFirstResult_When_SameOperationIdIsRepeated()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var client = agent.UnixClient();

        var first = await client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));
        var second = await client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));

        Assert.Equal(1, agent.Checkpoints.Calls);
        Assert.Equal(first[^1].Result, second[^1].Result);
    }

    [Fact]
    public async Task Checkpoint_Should_DumpOnce_When_SameOperationIdArrivesConcurrently()
    {
        await using var agent = await InProcessAgent.StartAsync();
        agent.Checkpoints.Hold = true;
        var client = agent.UnixClient();

        var calls = Enumerable.Range(0, 4).Select(_ => client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"))).ToList();
        await Eventually.TrueAsync(() => agent.Checkpoints.Calls == 1, "the engine is called", AgentCalls.Deadline);
        await Task.Delay(200); // give the other calls every chance to (wrongly) start a second dump
        agent.Checkpoints.Release();
        var results = await Task.WhenAll(calls);

        Assert.Equal(1, agent.Checkpoints.Calls);
        Assert.All(results, events => Assert.Equal(results[0][^1].Result, events[^1].Result));
        Assert.Contains(results[0], e => e.Progress?.Stage == Contracts.Agent.V1.CheckpointStage.Dumping);
    }

    [Fact]
    public async Task Checkpoint_Should_AnswerFromTheStore_When_OperationWasCommittedBeforeTheRegistryForgot()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var first = await agent.UnixClient().CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));
        await using var restarted = await InProcessAgent.StartAsync();
        restarted.Catalog.Add((await agent.Catalog.FindAsync("default", "web-1", CancellationToken.None))!);

        var again = await restarted.UnixClient().CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));

        Assert.Equal(0, restarted.Checkpoints.Calls);
        Assert.Equal(first[^1].Result.Location, again[^1].Result.Location);
    }

    [Fact]
    public async Task Checkpoint_Should_FailWithAlreadyExists_When_NameIsTakenByAnotherOperation()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var client = agent.UnixClient();
        await client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.CheckpointAsync(AgentCalls.Request("web-1", "uid-2")));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Equal("uid-1", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Metadata["operation_id"]);
        Assert.Equal(1, agent.Checkpoints.Calls);
    }

    [Fact]
    public async Task Checkpoint_Should_FailWithInvalidArgument_When_OperationIdIsReusedForAnotherRequest()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var client = agent.UnixClient();
        await client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.CheckpointAsync(AgentCalls.Request("web-2", "uid-1")));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("OPERATION_ID_REUSED", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public async Task Checkpoint_Should_RunAgain_When_TheFirstAttemptFailed()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var client = agent.UnixClient();
        agent.Checkpoints.Failure = new FeatureUnavailableException("mem_dirty_track", "kernel lacks CONFIG_MEM_SOFT_DIRTY");

        var error = await Assert.ThrowsAsync<RpcException>(() => client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1")));
        agent.Checkpoints.Failure = null;
        var retried = await client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("mem_dirty_track", error.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations[0].Subject);
        Assert.Equal(CheckpointEvent.EventOneofCase.Result, retried[^1].EventCase);
        Assert.Equal(2, agent.Checkpoints.Calls);
    }

    [Fact]
    public async Task Restore_Should_RunOnce_When_SameOperationIdIsRepeated()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var client = agent.UnixClient();
        await client.CheckpointAsync(AgentCalls.Request("web-1", "uid-1"));
        var request = new RestoreRequest
        {
            OperationId = "restore-1",
            Checkpoint = new CheckpointRef { Namespace = "default", Name = "web-1" },
            NewPidNamespace = new NewPidNamespaceTarget(),
        };

        var first = await client.RestoreAsync(request, deadline: DateTime.UtcNow + AgentCalls.Deadline);
        var second = await client.RestoreAsync(request, deadline: DateTime.UtcNow + AgentCalls.Deadline);

        Assert.Equal(1, agent.Restores.Calls);
        Assert.Equal(first.HostPid, second.HostPid);
        Assert.Equal(1, first.NamespacePid);
        Assert.Null(agent.Restores.Last!.TargetContainer);
    }
}
