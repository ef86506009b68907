using Cryo.Agent.Hosting;
using Cryo.Contracts.Csi.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Csi;

/// <summary>The CSI Identity service: the driver's name and version, no controller service, ready once the placeholder is published.</summary>
public sealed class CsiIdentityService(PlaceholderPublication publication, IOptions<CsiOptions> options) : Identity.IdentityBase
{
    /// <inheritdoc />
    public override Task<GetPluginInfoResponse> GetPluginInfo(GetPluginInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new GetPluginInfoResponse { Name = options.Value.DriverName, VendorVersion = AgentVersion.Current });

    /// <inheritdoc />
    // Node-only: no CONTROLLER_SERVICE (nothing to create or attach), no topology (every node with an agent serves it).
    public override Task<GetPluginCapabilitiesResponse> GetPluginCapabilities(GetPluginCapabilitiesRequest request, ServerCallContext context) =>
        Task.FromResult(new GetPluginCapabilitiesResponse());

    /// <inheritdoc />
    public override Task<ProbeResponse> Probe(ProbeRequest request, ServerCallContext context) =>
        Task.FromResult(new ProbeResponse { Ready = publication.Directory is not null });
}
