using Cryo.Testing.Agent.Harness;
using Cryo.Criu;
using Cryo.Criu.Options;
using Cryo.Criu.Running;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// The real CRIU, noting how a restore was asked to run (its action script) and the state of the restored
/// copy's freezer cgroup the moment CRIU has finished, before the engine verifies and thaws anything.
/// </summary>
public sealed class FreezerObservingCriu(ICriu inner) : DelegatingCriu(inner)
{
    /// <summary>The action script of the last restore (null: none).</summary>
    public string? ActionScript { get; private set; }

    /// <summary><c>freezer.state</c> of the last restore's freezer cgroup right after CRIU exited.</summary>
    public string? FreezerStateAfterCriu { get; private set; }

    public override async Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var result = await Inner.RestoreAsync(options, launch, deadline, cancellationToken);
        ActionScript = options.ActionScript;
        var freezer = options.CgroupRoots.Single(r => r.StartsWith("freezer:", StringComparison.Ordinal))["freezer:".Length..];
        FreezerStateAfterCriu = File.ReadAllText(Path.Combine(HarnessCgroups.Root, "freezer", freezer.TrimStart('/'), "freezer.state")).Trim();
        return result;
    }
}
