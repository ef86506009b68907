using Cryo.Criu;
using Cryo.Criu.Capabilities;
using Cryo.Criu.Options;

namespace Cryo.Testing.Agent;

/// <summary>
/// The real CRIU with one call changed or watched: a test's or the benchmark's CRIU overrides only the call it is
/// about, so what it leaves alone is visibly the real CRIU's and none of them spells the forwarding again.
/// </summary>
public abstract class DelegatingCriu(ICriu inner) : ICriu
{
    /// <summary>The CRIU every call not overridden goes to.</summary>
    protected ICriu Inner { get; } = inner;

    public virtual Task<CriuVersion> GetVersionAsync(CancellationToken cancellationToken) => Inner.GetVersionAsync(cancellationToken);

    public virtual Task<CriuCapabilities> DetectCapabilitiesAsync(CancellationToken cancellationToken) => Inner.DetectCapabilitiesAsync(cancellationToken);

    public virtual Task<CriuRunResult> DumpAsync(DumpOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken) =>
        Inner.DumpAsync(options, launch, deadline, cancellationToken);

    public virtual Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken) =>
        Inner.RestoreAsync(options, launch, deadline, cancellationToken);
}
