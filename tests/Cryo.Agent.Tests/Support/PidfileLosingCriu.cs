using Cryo.Criu;
using Cryo.Criu.Options;
using Cryo.Criu.Running;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// The real CRIU, but a successful restore reports no restored PID, as if CRIU had written no pidfile: the
/// engine fails after CRIU has restored a tree, the case where nobody but the engine can end that tree.
/// </summary>
public sealed class PidfileLosingCriu(ICriu inner) : DelegatingCriu(inner)
{
    public override async Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken) =>
        await Inner.RestoreAsync(options, launch, deadline, cancellationToken) with { RestoredPid = null };
}
