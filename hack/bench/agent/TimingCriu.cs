using System.Diagnostics;
using Cryo.Criu;
using Cryo.Criu.Options;
using Cryo.Criu.Running;
using Cryo.Testing.Agent;

namespace Cryo.Bench.Agent;

/// <summary>
/// Passes every call to the real CRIU runner and remembers when the last dump and restore started and
/// ended, and with which options: the raw runs replay exactly what the engine ran, and the engine's own
/// time splits into before, during and after CRIU.
/// </summary>
public sealed class TimingCriu(ICriu inner) : DelegatingCriu(inner)
{
    public DumpOptions? LastDumpOptions { get; private set; }

    public RestoreOptions? LastRestoreOptions { get; private set; }

    public CriuLaunch? LastLaunch { get; private set; }

    /// <summary>Stopwatch timestamps around the last CRIU dump or restore.</summary>
    public long LastStarted { get; private set; }

    public long LastEnded { get; private set; }

    public override Task<CriuRunResult> DumpAsync(DumpOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken)
    {
        LastDumpOptions = options;
        return TimedAsync(launch, () => Inner.DumpAsync(options, launch, deadline, cancellationToken));
    }

    public override Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken)
    {
        LastRestoreOptions = options;
        return TimedAsync(launch, () => Inner.RestoreAsync(options, launch, deadline, cancellationToken));
    }

    private async Task<CriuRunResult> TimedAsync(CriuLaunch? launch, Func<Task<CriuRunResult>> run)
    {
        LastLaunch = launch;
        LastStarted = Stopwatch.GetTimestamp();
        try
        {
            return await run();
        }
        finally
        {
            // Also when CRIU fails: the raw run and the split are timed the same way either way.
            LastEnded = Stopwatch.GetTimestamp();
        }
    }
}
