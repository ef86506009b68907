using Cryo.Contracts.Agent.V1;
using Google.Rpc;
using Grpc.Core;

namespace Cryo.Agent.Tests.Grpc;

public sealed class ValidationTests
{
    public static TheoryData<string, string> BadCheckpoints => new()
    {
        { "operation_id", "empty operation_id" },
        { "operation_id", "upper-case operation_id" },
        { "namespace", "empty namespace" },
        { "name", "path traversal in name" },
        { "name", "absolute path as name" },
        { "name", "name too long" },
        { "source", "no source" },
        { "pid", "negative pid" },
        { "container_id", "container id with a slash" },
        { "timeout_seconds", "timeout beyond the maximum" },
        { "parent_checkpoint", "parent with a slash" },
        { "options.compression", "unknown compression" },
    };

    [Theory]
    [MemberData(nameof(BadCheckpoints))]
    public async Task Checkpoint_Should_FailWithInvalidArgumentNamingTheField_When_RequestIsInvalid(string field, string problem)
    {
        await using var agent = await InProcessAgent.StartAsync();
        var request = AgentCalls.Request("web-1", "uid-1");
        switch (problem)
        {
            case "empty operation_id": request.OperationId = string.Empty; break;
            case "upper-case operation_id": request.OperationId = "UID-1"; break;
            case "empty namespace": request.Namespace = string.Empty; break;
            case "path traversal in name": request.Name = "../x"; break;
            case "absolute path as name": request.Name = "/etc"; break;
            case "name too long": request.Name = new string('a', 254); break;
            case "no source": request.ClearSource(); break;
            case "negative pid": request.Pid = -5; break;
            case "container id with a slash": request.ContainerId = "abc/../def"; break;
            case "timeout beyond the maximum": request.TimeoutSeconds = 100_000; break;
            case "parent with a slash": request.ParentCheckpoint = "a/b"; break;
            case "unknown compression": request.Options = new CheckpointOptions { Compression = "gzip" }; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => agent.UnixClient().CheckpointAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations);
        Assert.Equal(field, violation.Field);
        Assert.Equal("INVALID_FIELD", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Equal(0, agent.Checkpoints.Calls);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("none", null)]
    [InlineData("zstd", "zstd")]
    public void Checkpoint_Should_PassTheCompressionToTheEngine_When_ItIsKnown(string given, string? expected)
    {
        var request = AgentCalls.Request("web-1", "uid-1");
        request.Options = new CheckpointOptions { Compression = given };

        var command = new Cryo.Agent.Grpc.RequestValidator(Microsoft.Extensions.Options.Options.Create(new Cryo.Agent.Hosting.AgentOptions())).ToCommand(request);

        Assert.Equal(expected, command.Compression);
    }

    [Fact]
    public async Task Restore_Should_FailWithInvalidArgumentNamingTheField_When_TargetIsMissing()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var request = new RestoreRequest { OperationId = "r-1", Checkpoint = new CheckpointRef { Namespace = "default", Name = "web-1" } };

        var error = await Assert.ThrowsAsync<RpcException>(async () => await agent.UnixClient().RestoreAsync(request, deadline: DateTime.UtcNow + AgentCalls.Deadline));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("target", error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
        Assert.Equal(0, agent.Restores.Calls);
    }

    [Fact]
    public async Task Inspect_Should_FailWithInvalidArgumentNamingTheField_When_NameIsInvalid()
    {
        await using var agent = await InProcessAgent.StartAsync();
        var request = new InspectCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = "default", Name = "../../etc" } };

        var error = await Assert.ThrowsAsync<RpcException>(async () => await agent.UnixClient().InspectCheckpointAsync(request, deadline: DateTime.UtcNow + AgentCalls.Deadline));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("checkpoint.name", error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
    }
}
