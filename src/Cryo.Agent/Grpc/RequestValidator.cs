using Cryo.Agent.Store.Compression;
using Cryo.Agent.Hosting;
using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Contracts.Agent.V1;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Grpc;

/// <summary>
/// Checks requests before anything runs and turns them into engine commands. Every failure is an
/// <see cref="InvalidRequestException"/> naming the field by its proto path.
/// </summary>
public sealed class RequestValidator(IOptions<AgentOptions> options)
{
    private const int MaxContainerIdLength = 128;
    private const int MaxMetadataLength = 1024;

    /// <summary>Validates a checkpoint request.</summary>
    public CheckpointCommand ToCommand(CheckpointRequest request)
    {
        var operationId = OperationId(request.OperationId, "operation_id");
        var ns = Namespace(request.Namespace, "namespace");
        var name = Name(request.Name, "name");
        if (name.Length + 1 + operationId.Length > StoreNames.MaxDirectoryEntryLength)
        {
            throw new InvalidRequestException("name",
                $"name and operation_id together must stay within {StoreNames.MaxDirectoryEntryLength - 1} characters (they form one directory name)");
        }

        var source = request.SourceCase switch
        {
            CheckpointRequest.SourceOneofCase.ContainerId => ProcessTreeRef.ForContainer(ContainerId(request.ContainerId, "container_id")),
            CheckpointRequest.SourceOneofCase.Pid => ProcessTreeRef.ForPid(Pid(request.Pid, "pid")),
            _ => throw new InvalidRequestException("source", "set container_id or pid: which process tree to checkpoint"),
        };
        var pod = request.Pod ?? new PodMetadata();
        var workload = new WorkloadMetadata(
            Metadata(pod.PodName, "pod.pod_name"), Metadata(pod.PodUid, "pod.pod_uid"),
            Metadata(pod.ContainerName, "pod.container_name"), Metadata(pod.Image, "pod.image"));
        var parent = request.ParentCheckpoint.Length == 0 ? null : Name(request.ParentCheckpoint, "parent_checkpoint");
        if (parent == name)
        {
            throw new InvalidRequestException("parent_checkpoint", "a checkpoint cannot be its own parent");
        }

        var opts = request.Options ?? new CheckpointOptions();
        if (!ImageCompression.IsKnown(opts.Compression))
        {
            throw new InvalidRequestException("options.compression",
                $"unknown compression \"{opts.Compression}\": use {string.Join(" or ", ImageCompression.Values)} (or leave it empty for none)");
        }
        return new CheckpointCommand(operationId, ns, name, source, workload,
            LeaveRunning: !opts.HasLeaveRunning || opts.LeaveRunning,
            TcpEstablished: opts.TcpEstablished,
            FileLocks: opts.FileLocks,
            ParentCheckpoint: parent,
            Timeout: Timeout(request.TimeoutSeconds),
            SkipRootFilesystem: opts.SkipRootFilesystem,
            Compression: ImageCompression.IsCompressed(opts.Compression) ? opts.Compression : null);
    }

    /// <summary>Validates a restore request.</summary>
    public RestoreCommand ToCommand(RestoreRequest request)
    {
        var operationId = OperationId(request.OperationId, "operation_id");
        var (ns, name) = Ref(request.Checkpoint, "checkpoint");
        ProcessTreeRef? target = request.TargetCase switch
        {
            RestoreRequest.TargetOneofCase.NewPidNamespace => null,
            RestoreRequest.TargetOneofCase.Container => request.Container.RefCase switch
            {
                ContainerTarget.RefOneofCase.ContainerId => ProcessTreeRef.ForContainer(ContainerId(request.Container.ContainerId, "container.container_id")),
                ContainerTarget.RefOneofCase.Pid => ProcessTreeRef.ForPid(Pid(request.Container.Pid, "container.pid")),
                _ => throw new InvalidRequestException("container.ref", "set container_id or pid of the target container"),
            },
            _ => throw new InvalidRequestException("target", "set new_pid_namespace or container: where to restore"),
        };
        return new RestoreCommand(operationId, ns, name, target, Timeout(request.TimeoutSeconds), request.Lazy);
    }

    /// <summary>Validates a checkpoint reference (inspect, delete, restore).</summary>
    /// <returns>Namespace and name.</returns>
    public (string Namespace, string Name) Ref(CheckpointRef? reference, string field)
    {
        if (reference is null)
        {
            throw new InvalidRequestException(field, "required: the checkpoint's namespace and name");
        }

        return (Namespace(reference.Namespace, $"{field}.namespace"), Name(reference.Name, $"{field}.name"));
    }

    /// <summary>Validates an optional namespace filter; empty means all.</summary>
    public string? NamespaceFilter(string value, string field) => value.Length == 0 ? null : Namespace(value, field);

    /// <summary>The fingerprint of a checkpoint command: what must match when its operation ID repeats.</summary>
    public static string Fingerprint(CheckpointCommand c) =>
        $"checkpoint {c.Namespace}/{c.Name} of {c.Source}, leave_running={c.LeaveRunning}, tcp_established={c.TcpEstablished}, file_locks={c.FileLocks}, skip_root_filesystem={c.SkipRootFilesystem}, parent={c.ParentCheckpoint ?? "none"}, compression={c.Compression ?? ImageCompression.None}";

    /// <summary>The fingerprint of a restore command.</summary>
    public static string Fingerprint(RestoreCommand c) =>
        $"restore of {c.Namespace}/{c.Name} into {(c.TargetContainer is { } t ? t.ToString() : "a new PID namespace")}, lazy={c.Lazy}";

    private TimeSpan Timeout(uint seconds)
    {
        var max = options.Value.MaxTimeoutSeconds;
        if (seconds > max)
        {
            throw new InvalidRequestException("timeout_seconds", $"at most {max} (the agent's Agent:MaxTimeoutSeconds), got {seconds}");
        }

        return TimeSpan.FromSeconds(seconds == 0 ? options.Value.DefaultTimeoutSeconds : seconds);
    }

    private static string OperationId(string value, string field) =>
        StoreNames.IsValidUid(value) ? value
            : throw new InvalidRequestException(field, $"required: 1-{StoreNames.MaxUidLength} characters, lowercase letters a-z, digits and '-' (a Kubernetes UID), got {Quote(value)}");

    private static string Namespace(string value, string field) =>
        StoreNames.IsValidNamespace(value) ? value
            : throw new InvalidRequestException(field, $"must be a DNS-1123 label (1-{StoreNames.MaxNamespaceLength} characters: a-z, 0-9, '-', starting and ending with a letter or digit), got {Quote(value)}");

    private static string Name(string value, string field) =>
        StoreNames.IsValidName(value) ? value
            : throw new InvalidRequestException(field, $"must be a DNS-1123 subdomain (1-{StoreNames.MaxNameLength} characters: a-z, 0-9, '-', '.'), got {Quote(value)}");

    private static string ContainerId(string value, string field) =>
        value.Length is > 0 and <= MaxContainerIdLength && char.IsAsciiLetterOrDigit(value[0])
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? value
            : throw new InvalidRequestException(field, $"must be a container ID (1-{MaxContainerIdLength} characters: letters, digits, '-', '_', '.'), got {Quote(value)}");

    private static int Pid(int value, string field) =>
        value > 0 ? value : throw new InvalidRequestException(field, $"must be a positive PID, got {value}");

    private static string Metadata(string value, string field) =>
        value.Length <= MaxMetadataLength && !value.Any(char.IsControl) ? value
            : throw new InvalidRequestException(field, $"at most {MaxMetadataLength} printable characters");

    private static string Quote(string value) =>
        value.Length == 0 ? "an empty value" : $"\"{(value.Length > 80 ? value[..80] + "…" : value)}\"";
}
