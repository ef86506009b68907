using Cryo.Criu;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// The real CRIU, but a dump is cancelled — and so CRIU SIGKILLed — the moment the tree's freezer
/// cgroup reports it frozen: the worst time for CRIU to die, with the workload stopped mid-dump.
/// </summary>
public sealed class InterruptingCriu(ICriu inner) : ICriu
{
    /// <summary>Whether a dump was caught frozen and interrupted.</summary>
    public bool Interrupted { get; private set; }

    public Task<CriuVersion> GetVersionAsync(CancellationToken cancellationToken) => inner.GetVersionAsync(cancellationToken);

    public Task<CriuCapabilities> DetectCapabilitiesAsync(CancellationToken cancellationToken) => inner.DetectCapabilitiesAsync(cancellationToken);

    public Task<CriuRunResult> RestoreAsync(RestoreOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken) =>
        inner.RestoreAsync(options, launch, deadline, cancellationToken);

    public async Task<CriuRunResult> DumpAsync(DumpOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var state = Path.Combine(options.FreezeCgroup ?? throw new InvalidOperationException("the dump does not freeze through a cgroup"), "freezer.state");
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                if (File.ReadAllText(state).Trim() == "FROZEN")
                {
                    Interrupted = true;
                    await interrupt.CancelAsync();
                    return;
                }
                await Task.Delay(1, CancellationToken.None);
            }
        }, CancellationToken.None);
        try
        {
            return await inner.DumpAsync(options, launch, deadline, interrupt.Token);
        }
        finally
        {
            await watching.CancelAsync();
            await watcher;
        }
    }
}
