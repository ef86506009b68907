using Cryo.Criu;
using Cryo.Criu.Options;
using Cryo.Criu.Running;

namespace Cryo.Agent.Tests.Support;

/// <summary>
/// The real CRIU, but a dump is cancelled — and so CRIU SIGKILLed — while the tree is frozen, with the workload
/// stopped mid-dump. To make that moment certain on a loaded machine, the dump's action script is wrapped so CRIU
/// lingers at an action until it is killed: at pre-dump (the engine froze the tree; CRIU has not seized it yet) or
/// at post-dump (CRIU holds every task by ptrace, its injected code gone from them). Not "as soon as the cgroup reads
/// FROZEN", as this did before: the engine freezes before CRIU starts, so that moment fell anywhere in the dump, and
/// under load the workload sometimes did not survive it. The kernel logged "traps: init.sh[PID] trap int3 ip:401004 ...
/// in busybox" each time: an int3 at the start of busybox's code, where CRIU (compel) writes the stub it runs a task's
/// syscalls through (syscall, then int3s) and from which it restores the original bytes. The stub's bytes alone are not
/// the whole story: written there by hand into a frozen counter and thawed, they did not stop it in 4 s; a CRIU killed
/// mid remote syscall may also leave the task's registers pointing into the stub, and only CRIU held the saved ones.
/// A hazard of killing CRIU mid-dump for the product too (its deadline and cancel), not only for this test.
/// </summary>
public sealed class InterruptingCriu(ICriu inner) : DelegatingCriu(inner)
{
    /// <summary>Whether a dump was caught at its action and interrupted.</summary>
    public bool Interrupted { get; private set; }

    /// <summary>Whether the tree's freezer cgroup read FROZEN when the dump was interrupted.</summary>
    public bool FrozenWhenInterrupted { get; private set; }

    /// <summary>
    /// Interrupt only once CRIU lingers at post-dump, when every resource is dumped (and, with
    /// tcpEstablished, the tree's connections are locked), not as soon as the tree is frozen.
    /// </summary>
    public bool OnlyAtPostDump { get; init; }

    /// <summary>Runs while CRIU lingers at post-dump, before it is killed: a look at the tree mid-dump.</summary>
    public Func<Task>? WhileLingering { get; init; }

    public override async Task<CriuRunResult> DumpAsync(DumpOptions options, CriuLaunch? launch, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var state = Path.Combine(options.FreezeCgroup ?? throw new InvalidOperationException("the dump does not freeze through a cgroup"), "freezer.state");
        var linger = Path.Combine(Path.GetTempPath(), $"cryo-linger-{Guid.NewGuid():N}.sh");
        var lingering = linger + ".reached";
        await File.WriteAllTextAsync(linger,
            "#!/bin/sh\n" +
            (options.ActionScript is { } original ? $"'{original}' || exit $?\n" : "") +
            $"[ \"$CRTOOLS_SCRIPT_ACTION\" = {(OnlyAtPostDump ? "post-dump" : "pre-dump")} ] && {{ : > '{lingering}'; sleep 60; }}\nexit 0\n", CancellationToken.None);
        File.SetUnixFileMode(linger, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        options = options with { ActionScript = linger };
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                // CRIU may thaw the cgroup once it holds every task by ptrace; the tasks stay stopped
                // until CRIU lets go, so lingering at post-dump is mid-dump too.
                if (File.Exists(lingering))
                {
                    Interrupted = true;
                    FrozenWhenInterrupted = File.ReadAllText(state).Trim() == "FROZEN";
                    if (WhileLingering is { } look)
                    {
                        await look();
                    }
                    await interrupt.CancelAsync();
                    return;
                }
                await Task.Delay(1, CancellationToken.None);
            }
        }, CancellationToken.None);
        try
        {
            return await Inner.DumpAsync(options, launch, deadline, interrupt.Token);
        }
        finally
        {
            await watching.CancelAsync();
            await watcher;
            File.Delete(linger);
            File.Delete(lingering);
        }
    }
}
