using Cryo.Agent.Checkpointing;
using Cryo.Agent.Csi;
using Cryo.Agent.Filesystem;
using Cryo.Agent.Grpc;
using Cryo.Agent.Recovery;
using Cryo.Agent.Restoring;
using Cryo.Agent.Restoring.Lazy;
using Cryo.Criu.Running;
using Google.Rpc;
using Grpc.Core;

namespace Cryo.Agent.Tests.Grpc;

public sealed class StatusMapperTests
{
    public static TheoryData<Exception, StatusCode, string> Cases => new()
    {
        { new ContainerNotFoundException(ProcessTreeRef.ForContainer("abc123"), "no cgroup path contains the ID"), StatusCode.NotFound, "CONTAINER_NOT_FOUND" },
        { new ContainerNotFoundException(ProcessTreeRef.ForPid(4242), "no such process"), StatusCode.NotFound, "PROCESS_NOT_FOUND" },
        { new ContainerResolutionException(ResolutionFailure.AmbiguousContainerId, ProcessTreeRef.ForContainer("ab"), "matches 2 containers"), StatusCode.InvalidArgument, "AMBIGUOUS_CONTAINER" },
        { new ProcessGoneException(4242, "/proc/4242/stat"), StatusCode.NotFound, "PROCESS_NOT_FOUND" },
        { new CheckpointAlreadyExistsException(new CheckpointKey("default", "web", "uid-1")), StatusCode.AlreadyExists, "CHECKPOINT_EXISTS" },
        { new CheckpointCorruptedException(new CheckpointKey("default", "web", "uid-1"), "images/pages-1.img", CorruptionKind.Sha256Differs, "x"), StatusCode.FailedPrecondition, "CHECKPOINT_CORRUPTED" },
        { new InvalidCheckpointNameException("name", "../x", "a DNS-1123 subdomain"), StatusCode.InvalidArgument, "INVALID_FIELD" },
        { new CriuException("dump", 1, "/x/dump.log", "Error (criu/cr-dump.c:1): boom", string.Empty, "criu dump failed"), StatusCode.FailedPrecondition, "CRIU_FAILED" },
        { new CriuTimeoutException("restore", TimeSpan.FromSeconds(5), -9, null, string.Empty, string.Empty, "criu restore timed out"), StatusCode.DeadlineExceeded, "TIMED_OUT" },
        { new TransientAgentException("shutting down", TimeSpan.FromSeconds(5)), StatusCode.Unavailable, "TRANSIENT" },
        { new RootFilesystemNotCapturableException(4242, "ext4", "/dev/vda", "/var/lib/app/rootfs"), StatusCode.FailedPrecondition, "UNSUPPORTED_WORKLOAD" },
        { new InvalidOperationException("a bug"), StatusCode.Internal, "INTERNAL_ERROR" },
        { new InvalidRequestException("options.leave_running", "not allowed"), StatusCode.InvalidArgument, "INVALID_FIELD" },
        { new OperationIdReusedException("uid-1", "checkpoint default/web"), StatusCode.InvalidArgument, "OPERATION_ID_REUSED" },
        { new FeatureUnavailableException("mem_dirty_track", "CONFIG_MEM_SOFT_DIRTY is off"), StatusCode.FailedPrecondition, "FEATURE_UNAVAILABLE" },
        { new CheckpointNotFoundException("default", "web"), StatusCode.NotFound, "CHECKPOINT_NOT_FOUND" },
        { new ProcessTreeNotFoundException(ProcessTreeRef.ForContainer("abc123"), "no cgroup path contains the ID"), StatusCode.NotFound, "CONTAINER_NOT_FOUND" },
        { new ProcessTreeNotFoundException(ProcessTreeRef.ForPid(4242), "no such process"), StatusCode.NotFound, "PROCESS_NOT_FOUND" },
        { new ContainerResolutionException(ResolutionFailure.InvalidContainerId, ProcessTreeRef.ForContainer("xyz"), "not hex"), StatusCode.InvalidArgument, "INVALID_FIELD" },
        { new ContainerResolutionException(ResolutionFailure.AmbiguousRoot, ProcessTreeRef.ForContainer("abc123"), "two trees"), StatusCode.FailedPrecondition, "UNSUPPORTED_WORKLOAD" },
        { new ContainerResolutionException(ResolutionFailure.Unreadable, ProcessTreeRef.ForPid(4242), "inconsistent"), StatusCode.FailedPrecondition, "UNSUPPORTED_WORKLOAD" },
        { new VolumeMismatchException([new VolumeMismatch("/data/db", "missing")]), StatusCode.FailedPrecondition, "TARGET_MISMATCH" },
        { new RestoreTargetMismatchException("/data", "no mount at /data"), StatusCode.FailedPrecondition, "TARGET_MISMATCH" },
        { new TreeNotCheckpointableException(4242, "session leader outside"), StatusCode.FailedPrecondition, "UNSUPPORTED_WORKLOAD" },
        { new WritableLayerUnsupportedException("metacopy"), StatusCode.FailedPrecondition, "UNSUPPORTED_WORKLOAD" },
        { new UnsafeArchiveEntryException("/store/default/web-uid-1/rootfs-diff.tar", "../etc/passwd", "climbs"), StatusCode.FailedPrecondition, "CHECKPOINT_CORRUPTED" },
        { new InvalidManifestException("/store/default/web-uid-1/manifest.json", "not JSON"), StatusCode.FailedPrecondition, "CHECKPOINT_CORRUPTED" },
        { new UnsupportedManifestVersionException("/store/default/web-uid-1/manifest.json", 9), StatusCode.FailedPrecondition, "CHECKPOINT_CORRUPTED" },
        { new StorePathEscapeException("/etc", "/store"), StatusCode.FailedPrecondition, "CHECKPOINT_CORRUPTED" },
        { new OperationTimedOutException("checkpoint default/web", TimeSpan.FromSeconds(5)), StatusCode.DeadlineExceeded, "TIMED_OUT" },
        { NetworkLockLeft(), StatusCode.FailedPrecondition, "ERROR_REASON_UNSPECIFIED" },
        { new CheckpointStoreException("images/x is a symbolic link"), StatusCode.Internal, "INTERNAL_ERROR" },
        { new AbandonedEntriesRemainException(1, ["/store/.tmp/node/x"], new IOException("busy")), StatusCode.Internal, "INTERNAL_ERROR" },
        { new IOException("No space left on device", 28), StatusCode.ResourceExhausted, "STORE_FULL" },
        { new OperationCanceledException(), StatusCode.Cancelled, "ERROR_REASON_UNSPECIFIED" },
        { new PlaceholderMountException("bind /run/cryo/placeholder on /var/lib/kubelet/pods/x/volumes/v/mount", "/var/lib/kubelet/pods/x/volumes/v/mount", 2), StatusCode.FailedPrecondition, "TARGET_MISMATCH" },
        { new LazyPagesLostException(1, "Error (criu/uffd.c:1): boom", "criu lazy-pages ended with status 1"), StatusCode.FailedPrecondition, "CRIU_FAILED" },
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
        Assert.Equal(code, StatusMapper.Classify(error));
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

    [Fact]
    public void ToRpcException_Should_NameTheContainerOrPidThatWasNotFound_When_TheTreeIsMissing()
    {
        var byContainer = StatusMapper.ToRpcException(new ProcessTreeNotFoundException(ProcessTreeRef.ForContainer("abc123"), "gone")).GetRpcStatus()!;
        var byPid = StatusMapper.ToRpcException(new ProcessTreeNotFoundException(ProcessTreeRef.ForPid(4242), "gone")).GetRpcStatus()!;
        var resolvedByContainer = StatusMapper.ToRpcException(new ContainerNotFoundException(ProcessTreeRef.ForContainer("abc123"), "gone")).GetRpcStatus()!;
        var resolvedByPid = StatusMapper.ToRpcException(new ContainerNotFoundException(ProcessTreeRef.ForPid(4242), "gone")).GetRpcStatus()!;
        var gone = StatusMapper.ToRpcException(new ProcessGoneException(4242, "/proc/4242/stat")).GetRpcStatus()!;

        Assert.Equal("abc123", byContainer.GetDetail<ErrorInfo>().Metadata["container_id"]);
        Assert.Equal(("container", "abc123"), (byContainer.GetDetail<ResourceInfo>().ResourceType, byContainer.GetDetail<ResourceInfo>().ResourceName));
        Assert.Equal("4242", byPid.GetDetail<ErrorInfo>().Metadata["pid"]);
        Assert.Equal(("process", "4242"), (byPid.GetDetail<ResourceInfo>().ResourceType, byPid.GetDetail<ResourceInfo>().ResourceName));
        Assert.Equal("abc123", resolvedByContainer.GetDetail<ErrorInfo>().Metadata["container_id"]);
        Assert.Equal("4242", resolvedByPid.GetDetail<ErrorInfo>().Metadata["pid"]);
        Assert.Equal("4242", gone.GetDetail<ErrorInfo>().Metadata["pid"]);
        Assert.Equal(("container", "abc123"), (resolvedByContainer.GetDetail<ResourceInfo>().ResourceType, resolvedByContainer.GetDetail<ResourceInfo>().ResourceName));
    }

    [Fact]
    public void ToRpcException_Should_NameThePrefixThatMatchesSeveralContainers_When_TheIdIsAmbiguous()
    {
        var mapped = StatusMapper.ToRpcException(
            new ContainerResolutionException(ResolutionFailure.AmbiguousContainerId, ProcessTreeRef.ForContainer("3f2a0c1d9e8b"), "matches 2 containers")).GetRpcStatus()!;

        Assert.Equal("3f2a0c1d9e8b", mapped.GetDetail<ErrorInfo>().Metadata["container_id"]);
        Assert.Equal("container_id", Assert.Single(mapped.GetDetail<BadRequest>().FieldViolations).Field);
    }

    [Fact]
    public void ToRpcException_Should_SayHowLongTheTimeoutWasAndWhatToRetryAfter_When_TimedOutOrTransient()
    {
        var timedOut = StatusMapper.ToRpcException(new OperationTimedOutException("checkpoint default/web", TimeSpan.FromSeconds(5))).GetRpcStatus()!;
        var transient = StatusMapper.ToRpcException(new TransientAgentException("shutting down", TimeSpan.FromSeconds(5))).GetRpcStatus()!;
        var feature = StatusMapper.ToRpcException(new FeatureUnavailableException("mem_dirty_track", "off")).GetRpcStatus()!;

        Assert.Equal("5", timedOut.GetDetail<ErrorInfo>().Metadata["timeout_seconds"]);
        Assert.Equal(TimeSpan.FromSeconds(5), transient.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
        Assert.Equal("mem_dirty_track", feature.GetDetail<PreconditionFailure>().Violations[0].Subject);
        Assert.Equal("off", feature.GetDetail<ErrorInfo>().Metadata["reason"]);
    }

    [Fact]
    public void ToRpcException_Should_NameTheTargetPathAndTheErrno_When_ThePlaceholderCannotBeMounted()
    {
        var info = StatusMapper.ToRpcException(new PlaceholderMountException("umount /t", "/t", 16)).GetRpcStatus()!.GetDetail<ErrorInfo>();

        Assert.Equal(("/t", "16"), (info.Metadata["path"], info.Metadata["errno"]));
    }

    [Fact]
    public void ToRpcException_Should_GiveThePageServersStatusAndLog_When_ALazyRestoreLostItsPages()
    {
        var info = StatusMapper.ToRpcException(new LazyPagesLostException(3, "Error (criu/uffd.c:1): boom", "lost")).GetRpcStatus()!.GetDetail<ErrorInfo>();

        Assert.Equal(("3", "Error (criu/uffd.c:1): boom"), (info.Metadata["exit_code"], info.Metadata["log"]));
    }

    [Fact]
    public void ToRpcException_Should_NameThePathThatDiffers_When_TheRestoreTargetDoesNotMatch()
    {
        var mismatch = StatusMapper.ToRpcException(new RestoreTargetMismatchException("/data", "no mount at /data")).GetRpcStatus()!;
        var unsafeEntry = StatusMapper.ToRpcException(new UnsafeArchiveEntryException("/a/rootfs-diff.tar", "../x", "climbs")).GetRpcStatus()!;
        var manifest = StatusMapper.ToRpcException(new InvalidManifestException("/a/manifest.json", "not JSON")).GetRpcStatus()!;

        Assert.Equal("/data", mismatch.GetDetail<ErrorInfo>().Metadata["path"]);
        Assert.Equal("/a/rootfs-diff.tar", unsafeEntry.GetDetail<ErrorInfo>().Metadata["file"]);
        Assert.Equal("manifest.json", manifest.GetDetail<ErrorInfo>().Metadata["file"]);
    }

    private static NetworkLockLeftException NetworkLockLeft()
    {
        var result = new NetworkLockReleaseResult(NetworkLockReleaseStatus.Failed, null, "nft is not installed");
        return new NetworkLockLeftException("checkpoint default/web failed: boom; and nft is not installed", result, new IOException("boom"));
    }
}
