using Cryo.Agent.Checkpointing;
using Cryo.Agent.Containers;
using Cryo.Agent.Engine;
using Cryo.Agent.Grpc;
using Cryo.Agent.Store;
using Cryo.Criu;
using Google.Rpc;
using Grpc.Core;
using Xunit;

namespace Cryo.Agent.Tests.Grpc;

public sealed class StatusMapperTests
{
    public static TheoryData<Exception, StatusCode, string> Cases => new()
    {
        { new ContainerNotFoundException("container abc123", "no cgroup path contains the ID"), StatusCode.NotFound, "CONTAINER_NOT_FOUND" },
        { new ContainerNotFoundException("PID 4242", "no such process"), StatusCode.NotFound, "PROCESS_NOT_FOUND" },
        { new ContainerResolutionException(ResolutionFailure.AmbiguousContainerId, "container ab", "matches 2 containers"), StatusCode.InvalidArgument, "AMBIGUOUS_CONTAINER" },
        { new ProcessGoneException(4242, "/proc/4242/stat"), StatusCode.NotFound, "PROCESS_NOT_FOUND" },
        { new CheckpointAlreadyExistsException(new CheckpointKey("default", "web", "uid-1"), "/store/default/web-uid-1"), StatusCode.AlreadyExists, "CHECKPOINT_EXISTS" },
        { new CheckpointCorruptedException(new CheckpointKey("default", "web", "uid-1"), "images/pages-1.img", CorruptionKind.Sha256Differs, "x"), StatusCode.FailedPrecondition, "CHECKPOINT_CORRUPTED" },
        { new InvalidCheckpointNameException("name", "../x", "a DNS-1123 subdomain"), StatusCode.InvalidArgument, "INVALID_FIELD" },
        { new CriuException("dump", 1, "/x/dump.log", "Error (criu/cr-dump.c:1): boom", string.Empty, "criu dump failed"), StatusCode.FailedPrecondition, "CRIU_FAILED" },
        { new CriuTimeoutException("restore", TimeSpan.FromSeconds(5), -9, null, string.Empty, string.Empty, "criu restore timed out"), StatusCode.DeadlineExceeded, "TIMED_OUT" },
        { new TransientAgentException("shutting down", TimeSpan.FromSeconds(5)), StatusCode.Unavailable, "TRANSIENT" },
        { new RootFilesystemNotCapturableException(4242, "ext4", "/dev/vda", "/var/lib/app/rootfs"), StatusCode.FailedPrecondition, "UNSUPPORTED_WORKLOAD" },
        { new InvalidOperationException("a bug"), StatusCode.Internal, "INTERNAL_ERROR" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToRpcException_Should_GiveTheDocumentedCodeAndReason_When_MappingATypedError(Exception error, StatusCode code, string reason)
    {
        var mapped = StatusMapper.ToRpcException(error);

        Assert.Equal(code, mapped.StatusCode);
        var info = mapped.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal(reason, info.Reason);
        Assert.Equal(StatusMapper.Domain, info.Domain);
    }

    [Fact]
    public void ToRpcException_Should_NameTheFileAndFieldInDetails_When_CheckpointIsCorruptedOrNameInvalid()
    {
        var corrupted = StatusMapper.ToRpcException(new CheckpointCorruptedException(
            new CheckpointKey("default", "web", "uid-1"), "images/pages-1.img", CorruptionKind.Missing, "x"));
        var invalid = StatusMapper.ToRpcException(new InvalidCheckpointNameException("uid", "UPPER", "lowercase"));

        Assert.Equal("images/pages-1.img", corrupted.GetRpcStatus()!.GetDetail<ErrorInfo>().Metadata["file"]);
        Assert.Equal("operation_id", invalid.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
    }

    [Fact]
    public void ToRpcException_Should_NameTheOptOutFieldAndTheRoot_When_TheRootFilesystemCannotBeCaptured()
    {
        var mapped = StatusMapper.ToRpcException(new RootFilesystemNotCapturableException(4242, "ext4", "/dev/vda", "/var/lib/app/rootfs"));

        var status = mapped.GetRpcStatus()!;
        var info = status.GetDetail<ErrorInfo>();
        var violation = Assert.Single(status.GetDetail<PreconditionFailure>().Violations);
        Assert.Equal("options.skip_root_filesystem", info.Metadata["field"]);
        Assert.Equal("ext4", info.Metadata["fs_type"]);
        Assert.Equal("/dev/vda", info.Metadata["source"]);
        Assert.Equal("ROOT_FILESYSTEM", violation.Type);
        Assert.Equal("options.skip_root_filesystem", violation.Subject);
        Assert.Contains("ext4", mapped.Status.Detail, StringComparison.Ordinal);
    }
}
