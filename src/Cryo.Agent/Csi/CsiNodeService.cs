using Cryo.Agent.Hosting;
using Cryo.Agent.Operations;
using Cryo.Contracts.Csi.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Csi;

/// <summary>
/// The CSI Node service as the kubelet calls it for a placeholder volume (ephemeral inline, so no staging): validate,
/// mount or unmount, answer. Requests the driver cannot honour get INVALID_ARGUMENT naming the field.
/// </summary>
public sealed class CsiNodeService(PlaceholderMounts mounts, IOptions<AgentOptions> agent) : Node.NodeBase
{
    /// <inheritdoc />
    public override async Task<NodePublishVolumeResponse> NodePublishVolume(NodePublishVolumeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireVolumeId(request.VolumeId);
        RequireTargetPath(request.TargetPath);
        var capability = request.VolumeCapability ?? throw new InvalidRequestException("volume_capability", "required");
        if (capability.AccessTypeCase != VolumeCapability.AccessTypeOneofCase.Mount)
        {
            throw new InvalidRequestException("volume_capability.access_type",
                $"{capability.AccessTypeCase} access is not supported: a placeholder volume is a directory (access type mount)");
        }

        if (!request.Readonly)
        {
            throw new InvalidRequestException("readonly", "placeholder volumes are read-only: set readOnly: true on the pod's csi volume");
        }

        PlaceholderVolumeContext.Validate(request.VolumeContext);
        await mounts.PublishAsync(request.TargetPath, context.CancellationToken).ConfigureAwait(false);
        return new NodePublishVolumeResponse();
    }

    /// <inheritdoc />
    public override async Task<NodeUnpublishVolumeResponse> NodeUnpublishVolume(NodeUnpublishVolumeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireVolumeId(request.VolumeId);
        RequireTargetPath(request.TargetPath);
        await mounts.UnpublishAsync(request.TargetPath, context.CancellationToken).ConfigureAwait(false);
        return new NodeUnpublishVolumeResponse();
    }

    /// <inheritdoc />
    // No STAGE_UNSTAGE_VOLUME: the kubelet publishes straight to the pod's target path.
    public override Task<NodeGetCapabilitiesResponse> NodeGetCapabilities(NodeGetCapabilitiesRequest request, ServerCallContext context) =>
        Task.FromResult(new NodeGetCapabilitiesResponse());

    /// <inheritdoc />
    public override Task<NodeGetInfoResponse> NodeGetInfo(NodeGetInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new NodeGetInfoResponse { NodeId = agent.Value.NodeName });

    private static void RequireVolumeId(string volumeId)
    {
        if (string.IsNullOrEmpty(volumeId))
        {
            throw new InvalidRequestException("volume_id", "required");
        }
    }

    private static void RequireTargetPath(string targetPath)
    {
        if (string.IsNullOrEmpty(targetPath))
        {
            throw new InvalidRequestException("target_path", "required");
        }

        if (!Path.IsPathRooted(targetPath) || targetPath.Split('/').Any(part => part is ".." or "."))
        {
            throw new InvalidRequestException("target_path", $"'{targetPath}' must be an absolute path without '.' or '..' components");
        }

        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(targetPath));
        if (parent is null || !Directory.Exists(parent))
        {
            throw new InvalidRequestException("target_path", $"the parent of '{targetPath}' does not exist (the CO creates it)");
        }
    }
}
