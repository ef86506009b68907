using Cryo.Contracts.PluginRegistration.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Csi;

/// <summary>
/// The kubelet's plugin registration, served on <see cref="CsiOptions.RegistrationSocketPath"/> (what the
/// node-driver-registrar sidecar does for other drivers): the kubelet asks what the plugin is, registers the CSI
/// driver at <see cref="CsiOptions.SocketPath"/>, and says how that went.
/// </summary>
public sealed class PluginRegistrationService(IOptions<CsiOptions> options, ILogger<PluginRegistrationService> logger) : Registration.RegistrationBase
{
    /// <summary>The plugin type of a CSI driver.</summary>
    public const string CsiPluginType = "CSIPlugin";

    /// <summary>The CSI versions the driver speaks.</summary>
    public static IReadOnlyList<string> SupportedVersions { get; } = ["1.0.0"];

    /// <summary>The outcome the kubelet last reported; null before it did.</summary>
    public RegistrationStatus? LastStatus { get; private set; }

    /// <inheritdoc />
    public override Task<PluginInfo> GetInfo(InfoRequest request, ServerCallContext context) =>
        Task.FromResult(new PluginInfo
        {
            Type = CsiPluginType,
            Name = options.Value.DriverName,
            Endpoint = options.Value.SocketPath,
            SupportedVersions = { SupportedVersions },
        });

    /// <inheritdoc />
    public override Task<RegistrationStatusResponse> NotifyRegistrationStatus(RegistrationStatus request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        LastStatus = request;
        if (request.PluginRegistered)
        {
            logger.LogInformation("the kubelet registered CSI driver {Driver}", options.Value.DriverName);
        }
        else
        {
            logger.LogError("the kubelet refused to register CSI driver {Driver}: {Error}; restore pods that mount its volumes will not start on this node",
                options.Value.DriverName, request.Error);
        }

        return Task.FromResult(new RegistrationStatusResponse());
    }
}
