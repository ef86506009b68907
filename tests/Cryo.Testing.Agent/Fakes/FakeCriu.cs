using Cryo.Criu;
using Cryo.Criu.Capabilities;
using Cryo.Criu.Options;

namespace Cryo.Testing.Agent.Fakes;

/// <summary>A CRIU that reports a version and capabilities without running anything; dump and restore are never reached.</summary>
public sealed class FakeCriu(CriuVersion version) : ICriu
{
    public Task<CriuVersion> GetVersionAsync(CancellationToken cancellationToken) => Task.FromResult(version);

    public Task<CriuCapabilities> DetectCapabilitiesAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new CriuCapabilities(version, "6.18.0", basicCheckPassed: true, "Looks good.",
            [new CriuFeatureCheck(CriuFeature.MemDirtyTrack, true, string.Empty), new CriuFeatureCheck(CriuFeature.TimeNamespace, false, "no timens")]));

    public Task<CriuRunResult> DumpAsync(DumpOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the service tests never dump");

    public Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the service tests never restore");
}
