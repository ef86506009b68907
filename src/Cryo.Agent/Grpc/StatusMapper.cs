using System.Reflection;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Containers;
using Cryo.Agent.Csi;
using Cryo.Agent.Filesystem;
using Cryo.Agent.Operations;
using Cryo.Agent.Restoring;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Agent.Transfer;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu.Running;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using RpcStatus = Google.Rpc.Status;

namespace Cryo.Agent.Grpc;

/// <summary>
/// The one place that turns the agent's typed exceptions into gRPC statuses with google.rpc details
/// (ErrorInfo always; BadRequest, PreconditionFailure, ResourceInfo or RetryInfo as the code calls for),
/// as documented at the top of <c>agent.proto</c>.
/// </summary>
public static class StatusMapper
{
    /// <summary>The ErrorInfo domain of every Cryo error.</summary>
    public const string Domain = "cryo.io";

    private const int Enospc = 28;

    /// <summary>The status code an exception maps to (also the <c>result</c> label of the metrics).</summary>
    public static StatusCode Classify(Exception exception) => Map(exception).Code;

    /// <summary>Builds the <see cref="RpcException"/> (with details in <c>grpc-status-details-bin</c>) for an exception.</summary>
    public static RpcException ToRpcException(Exception exception)
    {
        if (exception is RpcException rpc)
        {
            return rpc;
        }

        var mapped = Map(exception);
        var info = new ErrorInfo { Domain = Domain, Reason = ReasonName(mapped.Reason) };
        foreach (var (key, value) in mapped.Metadata)
        {
            info.Metadata[key] = value;
        }

        var status = new RpcStatus { Code = (int)mapped.Code, Message = exception.Message };
        status.Details.Add(Any.Pack(info));
        if (mapped.Detail is not null)
        {
            status.Details.Add(Any.Pack(mapped.Detail));
        }

        return status.ToRpcException();
    }

    // Most specific first: a subtype's arm stands before its base type's.
    private static Mapped Map(Exception exception) => exception switch
    {
        InvalidRequestException e => Invalid(e.Field, e.Problem, ErrorReason.InvalidField),
        PlaceholderTargetTakenException e => new(StatusCode.AlreadyExists, ErrorReason.TargetMismatch, [new("path", e.TargetPath)], null),
        // The restore pod's target path cannot take the placeholder (the kubelet retries the publish).
        PlaceholderMountException e => new(StatusCode.FailedPrecondition, ErrorReason.TargetMismatch, [new("path", e.TargetPath), new("errno", $"{e.Errno}")], null),
        OperationIdReusedException e => Invalid("operation_id", e.Message, ErrorReason.OperationIdReused),
        InvalidCheckpointNameException e => Invalid(e.Field == "uid" ? "operation_id" : e.Field, e.Message, ErrorReason.InvalidField),
        FeatureUnavailableException e => new(StatusCode.FailedPrecondition, ErrorReason.FeatureUnavailable,
            [new("feature", e.Feature), new("reason", e.Reason)],
            new PreconditionFailure { Violations = { new PreconditionFailure.Types.Violation { Type = "FEATURE", Subject = e.Feature, Description = e.Reason } } }),
        CheckpointNotFoundException e => new(StatusCode.NotFound, ErrorReason.CheckpointNotFound,
            [new("namespace", e.Namespace), new("name", e.Name)], Resource("checkpoint", $"{e.Namespace}/{e.Name}", e.Message)),
        ProcessTreeNotFoundException e => TreeNotFound(e.Tree, e.Message),
        ContainerResolutionException { Reason: ResolutionFailure.NotFound } e => TreeNotFound(e.Tree, e.Message),
        ProcessGoneException e => TreeNotFound(ProcessTreeRef.ForPid(e.Pid), e.Message),
        ContainerResolutionException { Reason: ResolutionFailure.InvalidContainerId } e => Invalid("container_id", e.Message, ErrorReason.InvalidField),
        ContainerResolutionException { Reason: ResolutionFailure.AmbiguousContainerId } e => new(StatusCode.InvalidArgument, ErrorReason.AmbiguousContainer,
            [new("container_id", e.Tree.ContainerId ?? string.Empty)],
            new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = "container_id", Description = e.Message } } }),
        ContainerResolutionException => new(StatusCode.FailedPrecondition, ErrorReason.UnsupportedWorkload, [], null),
        VolumeMismatchException => new(StatusCode.FailedPrecondition, ErrorReason.TargetMismatch, [], null),
        RestoreTargetMismatchException e => new(StatusCode.FailedPrecondition, ErrorReason.TargetMismatch, [new("path", e.Path)], null),
        TreeNotCheckpointableException e => new(StatusCode.FailedPrecondition, ErrorReason.UnsupportedWorkload, [new("pid", $"{e.Pid}")], null),
        RootFilesystemNotCapturableException e => new(StatusCode.FailedPrecondition, ErrorReason.UnsupportedWorkload,
            [new("field", RootFilesystemNotCapturableException.OptOutField), new("fs_type", e.FilesystemType), new("source", e.MountSource), new("pid", $"{e.Pid}")],
            new PreconditionFailure { Violations = { new PreconditionFailure.Types.Violation
            {
                Type = "ROOT_FILESYSTEM", Subject = RootFilesystemNotCapturableException.OptOutField,
                Description = $"the root is a {e.FilesystemType} mount, not an overlay: set {RootFilesystemNotCapturableException.OptOutField} to checkpoint without its writable layer",
            } } }),
        WritableLayerUnsupportedException => new(StatusCode.FailedPrecondition, ErrorReason.UnsupportedWorkload,
            [new("field", RootFilesystemNotCapturableException.OptOutField)], null),
        Interop.ArchiveInvalidException e => new(StatusCode.InvalidArgument, ErrorReason.ArchiveInvalid, [new("entry", e.Entry)], null),
        UnsafeArchiveEntryException e => new(StatusCode.FailedPrecondition, ErrorReason.CheckpointCorrupted, [new("file", e.ArchivePath)], null),
        CheckpointAlreadyExistsException e => new(StatusCode.AlreadyExists, ErrorReason.CheckpointExists,
            [new("namespace", e.Key.Namespace), new("name", e.Key.Name), new("operation_id", e.Key.Uid)],
            Resource("checkpoint", $"{e.Key.Namespace}/{e.Key.Name}", e.Message)),
        CheckpointHasChildrenException e => new(StatusCode.FailedPrecondition, ErrorReason.CheckpointHasChildren,
            [new("namespace", e.Namespace), new("name", e.Name), new("children", string.Join(",", e.Children))],
            new PreconditionFailure { Violations = { new PreconditionFailure.Types.Violation { Type = "CHILDREN", Subject = $"{e.Namespace}/{e.Name}", Description = e.Message } } }),
        CheckpointCorruptedException e => new(StatusCode.FailedPrecondition, ErrorReason.CheckpointCorrupted,
            [new("file", e.RelativePath)], null),
        InvalidManifestException or StorePathEscapeException =>
            new(StatusCode.FailedPrecondition, ErrorReason.CheckpointCorrupted, [new("file", CheckpointManifest.FileName)], null),
        // A store that cannot be trusted (a symbolic link among a pending checkpoint's files), or a sweep that
        // could not finish: the agent's trouble, not the caller's.
        CheckpointStoreException => Internal(exception),
        TransferLimitExceededException e => new(StatusCode.ResourceExhausted, ErrorReason.TransferLimit,
            [new("max_parallel_streams", $"{e.Limit}")], null),
        TransferVerificationException e => new(StatusCode.FailedPrecondition, ErrorReason.CheckpointCorrupted,
            [new("file", e.RelativePath), new("offset", $"{e.Offset}"), new("length", $"{e.Length}")], null),
        OperationTimedOutException e => new(StatusCode.DeadlineExceeded, ErrorReason.TimedOut,
            [new("timeout_seconds", $"{e.Timeout.TotalSeconds:0}")], null),
        // CRIU's page server failed the restore, as a failed criu restore does.
        Restoring.Lazy.LazyPagesLostException e => new(StatusCode.FailedPrecondition, ErrorReason.CriuFailed,
            [new("exit_code", $"{e.ExitCode}"), new("log", e.Log)], null),
        TransientAgentException e => new(StatusCode.Unavailable, ErrorReason.Transient, [],
            new RetryInfo { RetryDelay = Duration.FromTimeSpan(e.RetryAfter) }),
        // A deliberate refusal without a mapping of its own (e.g. a network lock left in place after a failed dump).
        AgentException => new(StatusCode.FailedPrecondition, ErrorReason.Unspecified, [], null),
        // The CRIU layer knows nothing of the agent: its errors are mapped by their own types.
        CriuTimeoutException e => new(StatusCode.DeadlineExceeded, ErrorReason.TimedOut,
            [new("timeout_seconds", $"{e.Deadline.TotalSeconds:0}"), new("log", e.LogExcerpt)], null),
        CriuException e => new(StatusCode.FailedPrecondition, ErrorReason.CriuFailed,
            [new("exit_code", $"{e.ExitCode}"), new("log", e.LogExcerpt)], null),
        IOException { HResult: Enospc } => new(StatusCode.ResourceExhausted, ErrorReason.StoreFull, [], null),
        OperationCanceledException => new(StatusCode.Cancelled, ErrorReason.Unspecified, [], null),
        _ => Internal(exception),
    };

    /// <summary>The proto name of a reason, as sent in ErrorInfo.reason (e.g. <c>FEATURE_UNAVAILABLE</c>).</summary>
    public static string ReasonName(ErrorReason reason) =>
        typeof(ErrorReason).GetField(reason.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? reason.ToString();

    private static Mapped Invalid(string field, string description, ErrorReason reason) =>
        new(StatusCode.InvalidArgument, reason, [new("field", field)],
            new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = description } } });

    /// <summary>The container or process a request named is not on this node.</summary>
    private static Mapped TreeNotFound(ProcessTreeRef tree, string message) => tree.ContainerId is { } id
        ? new(StatusCode.NotFound, ErrorReason.ContainerNotFound, [new("container_id", id)], Resource("container", id, message))
        : new(StatusCode.NotFound, ErrorReason.ProcessNotFound, [new("pid", $"{tree.Pid}")], Resource("process", $"{tree.Pid}", message));

    private static Mapped Internal(Exception exception) =>
        new(StatusCode.Internal, ErrorReason.InternalError, [new("exception", exception.GetType().FullName ?? "unknown")], null);

    private static ResourceInfo Resource(string type, string name, string description) =>
        new() { ResourceType = type, ResourceName = name, Description = description };

    private sealed record Mapped(StatusCode Code, ErrorReason Reason, KeyValuePair<string, string>[] Metadata, Google.Protobuf.IMessage? Detail);
}
