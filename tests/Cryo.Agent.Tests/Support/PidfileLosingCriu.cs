using Cryo.Criu;
using Cryo.Criu.Capabilities;
using Cryo.Criu.Options;
using Cryo.Criu.Running;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// The real CRIU, but a successful restore reports no restored PID, as if CRIU had written no pidfile: the
/// engine fails after CRIU has restored a tree, the case where nobody but the engine can end that tree.
/// </summary>
public sealed class PidfileLosingCriu(ICriu inner) : ICriu
{
    public Task<CriuVersion> GetVersionAsync(CancellationToken cancellationToken) => inner.GetVersionAsync(cancellationToken);

    public Task<CriuCapabilities> DetectCapabilitiesAsync(CancellationToken cancellationToken) => inner.DetectCapabilitiesAsync(cancellationToken);

    public Task<CriuRunResult> DumpAsync(DumpOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken) =>
        inner.DumpAsync(options, launch, deadline, cancellationToken);

    public async Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken) =>
        await inner.RestoreAsync(options, launch, deadline, cancellationToken) with { RestoredPid = null };
}
