using Cryo.Agent.Operations;
using Cryo.Agent.Store.Hashing;
using Cryo.Criu;
using Cryo.Criu.Capabilities;
using Cryo.Criu.Running;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Hosting;

/// <summary>
/// Looks at the configured CRIU (version, <c>criu check</c>, features) and remembers the answer for a
/// minute: the readiness probe and GetNodeInfo ask often, and a full check runs CRIU about ten times.
/// </summary>
public sealed class CriuMonitor(ICriu criu, IOptions<AgentOptions> options, TimeProvider time, ILogger<CriuMonitor> logger) : INodeInfoProvider, IDisposable
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim refresh = new(1, 1);
    private (CriuState State, DateTimeOffset At)? cached;

    /// <summary>The current state, refreshed when older than a minute.</summary>
    public async Task<CriuState> GetStateAsync(CancellationToken cancellationToken)
    {
        if (cached is { } hit && time.GetUtcNow() - hit.At < CacheFor)
        {
            return hit.State;
        }

        await refresh.WaitAsync(cancellationToken);
        try
        {
            if (cached is { } again && time.GetUtcNow() - again.At < CacheFor)
            {
                return again.State;
            }

            var state = await ProbeAsync(cancellationToken);
            cached = (state, time.GetUtcNow());
            return state;
        }
        finally
        {
            refresh.Release();
        }
    }

    /// <summary>The capability that says whether restores can be lazy (userfaultfd with non-cooperative events).</summary>
    public const string LazyPagesFeature = "lazy_pages";

    /// <summary>The capability that says whether checkpoint images are hashed with <see cref="InterleavedSha256"/>.</summary>
    public const string InterleavedSha256Feature = "paired_sha256";

    /// <inheritdoc />
    public async Task<NodeFacts> GetNodeFactsAsync(CancellationToken cancellationToken)
    {
        var state = await GetStateAsync(cancellationToken);
        var features = new Dictionary<string, FeatureStatus>
        {
            ["criu"] = new(state.Usable, state.Problem),
        };
        if (state.Capabilities is { } caps)
        {
            foreach (var check in caps.Features)
            {
                features[CriuFeatureInfo.CriuName(check.Feature)] = new(check.Supported, caps.WhyMissing(check.Feature) ?? string.Empty);
            }

            // What a lazy restore needs, under the name CRIU's own feature check (RPC) gives it; `criu check
            // --feature lazy_pages` is not a command-line feature in 4.2.1 ("Unknown feature").
            var lazyMissing = caps.WhyMissing(CriuFeature.Uffd) ?? caps.WhyMissing(CriuFeature.UffdNonCooperative);
            features[LazyPagesFeature] = new(lazyMissing is null, lazyMissing is null ? string.Empty : $"lazy restores fall back to eager: {lazyMissing}");
        }

        // Not CRIU's, but a node's: whether images are hashed two chunks per core (see InterleavedSha256).
        features[InterleavedSha256Feature] = new(InterleavedSha256.IsAvailable, InterleavedSha256.IsAvailable ? string.Empty : InterleavedSha256.Description);
        var kernel = state.Capabilities?.KernelRelease ?? (await File.ReadAllTextAsync("/proc/sys/kernel/osrelease", cancellationToken)).Trim();
        return new NodeFacts(state.Capabilities?.Version.ToString() ?? string.Empty, kernel, features);
    }

    private async Task<CriuState> ProbeAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.CriuPath;
        if (!File.Exists(path))
        {
            return Log(new CriuState(path, null,
                $"CRIU not found at {path}: run hack/install-criu.sh, or point Agent:CriuPath (--criu) at a CRIU ≥ {CriuVersion.Minimum}"));
        }

        try
        {
            var caps = await criu.DetectCapabilitiesAsync(cancellationToken);
            var problem = !caps.MeetsMinimumVersion
                ? $"CRIU {caps.Version} at {path} is older than {CriuVersion.Minimum} (older releases cannot dump sockets on kernels ≥ 6.16): run hack/install-criu.sh"
                : !caps.BasicCheckPassed
                    ? $"'criu check' failed: {caps.BasicCheckOutput.Trim()}"
                    : string.Empty;
            return Log(new CriuState(path, caps, problem));
        }
        catch (CriuException ex)
        {
            return Log(new CriuState(path, null, $"CRIU at {path} cannot be run: {ex.Message}"));
        }
    }

    /// <inheritdoc />
    public void Dispose() => refresh.Dispose();

    private CriuState Log(CriuState state)
    {
        if (!state.Usable)
        {
            logger.LogError("CRIU is not usable: {Problem}", state.Problem);
        }

        return state;
    }
}
