using System.Diagnostics;
using Cryo.Criu;
using Cryo.Criu.Capabilities;
using Cryo.Criu.Options;
using Cryo.Criu.Running;

namespace Cryo.Bench.Agent;

/// <summary>
/// Passes every call to the real CRIU runner and remembers when the last dump and restore started and
/// ended, and with which options: the raw runs replay exactly what the engine ran, and the engine's own
/// time splits into before, during and after CRIU.
/// </summary>
public sealed class TimingCriu(ICriu inner) : ICriu
{
    public DumpOptions? LastDumpOptions { get; private set; }

    public RestoreOptions? LastRestoreOptions { get; private set; }

    public CriuLaunch? LastLaunch { get; private set; }

    /// <summary>Stopwatch timestamps around the last CRIU dump or restore.</summary>
    public long LastStarted { get; private set; }

    public long LastEnded { get; private set; }

    public Task<CriuVersion> GetVersionAsync(CancellationToken cancellationToken) => inner.GetVersionAsync(cancellationToken);

    public Task<CriuCapabilities> DetectCapabilitiesAsync(CancellationToken cancellationToken) => inner.DetectCapabilitiesAsync(cancellationToken);

    public async Task<CriuRunResult> DumpAsync(DumpOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken)
    {
        LastDumpOptions = options;
        LastLaunch = launch;
        LastStarted = Stopwatch.GetTimestamp();
        try
        {
            return await inner.DumpAsync(options, launch, deadline, cancellationToken);
        }
        finally
        {
            LastEnded = Stopwatch.GetTimestamp();
        }
    }

    public async Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken)
    {
        LastRestoreOptions = options;
        LastLaunch = launch;
        LastStarted = Stopwatch.GetTimestamp();
        try
        {
            return await inner.RestoreAsync(options, launch, deadline, cancellationToken);
        }
        finally
        {
            LastEnded = Stopwatch.GetTimestamp();
        }
    }
}
