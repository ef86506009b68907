using Cryo.Criu;
using Cryo.Criu.Capabilities;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// The real CRIU on a kernel that, as far as <c>criu check</c> says, has no userfaultfd: what a node without
/// <c>CONFIG_USERFAULTFD</c> (or with it forbidden) answers. Everything else is the real CRIU's.
/// </summary>
public sealed class NoUserfaultfdCriu(ICriu inner) : DelegatingCriu(inner)
{
    public override async Task<CriuCapabilities> DetectCapabilitiesAsync(CancellationToken cancellationToken)
    {
        var real = await Inner.DetectCapabilitiesAsync(cancellationToken);
        return new CriuCapabilities(real.Version, real.KernelRelease, real.BasicCheckPassed, real.BasicCheckOutput,
            real.Features.Select(f => f.Feature is CriuFeature.Uffd or CriuFeature.UffdNonCooperative
                ? new CriuFeatureCheck(f.Feature, false, "UFFD is not supported")
                : f));
    }
}
