using System.Diagnostics;
using Cryo.Agent.Checkpointing;
using Cryo.Agent.Recovery;
using Cryo.Testing.Agent.Harness;
using Cryo.Agent.Tests.Store;
using Cryo.Criu.Network;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Agent.Tests.Recovery;

/// <summary>What the agent repairs at start after it was killed mid-dump, with real CRIU.</summary>
public sealed class StoreRecoveryTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestEngines engines = new();

    public void Dispose() => engines.Dispose();

    [Fact]
    public async Task Start_Should_UnblockTheTcpConnectionAndSweepTheDump_When_TheAgentDiedDuringATcpEstablishedDump()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = EchoingConnection.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => EchoingConnection.LastAck(o) >= 5, Patience, CancellationToken.None);
        var pending = await DumpKilledWithTheAgentAsync(workload);
        Assert.Contains(await NftTables.InetTablesOfAsync(workload.InitPid), t => t.StartsWith(NetworkLockTable.NamePrefix, StringComparison.Ordinal));

        await new StoreRecovery(RestartedStore(), new ProcFs(), NullLogger<StoreRecovery>.Instance).StartAsync(CancellationToken.None);

        Assert.DoesNotContain(await NftTables.InetTablesOfAsync(workload.InitPid), t => t.StartsWith(NetworkLockTable.NamePrefix, StringComparison.Ordinal));
        Assert.False(Directory.Exists(pending.Directory), "the interrupted dump's temporary directory is still there");
        var after = EchoingConnection.LastAck(workload.Stdout);
        await workload.WaitForOutputAsync(o => EchoingConnection.LastAck(o) > after + 5, Patience, CancellationToken.None);
    }

    [Fact]
    public async Task Start_Should_ThawTheWorkloadAndSweepTheDump_When_TheAgentDiedWhileTheTreeWasFrozen()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        var (pending, _) = await DumpRecordedAsync(workload, "frozen");
        // What CRIU does first with --freeze-cgroup; killed now, CRIU leaves it so.
        var stopped = await FreezeAsync(workload);
        var logger = new RecordingLogger<StoreRecovery>();

        await new StoreRecovery(RestartedStore(), new ProcFs(), logger).StartAsync(CancellationToken.None);

        Assert.Equal("THAWED", FreezerState(workload));
        Assert.False(Directory.Exists(pending.Directory), "the interrupted dump's temporary directory is still there");
        await workload.WaitForOutputAsync(o => Counter.Last(o) > stopped + 2, Patience, CancellationToken.None);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"thawed {workload.CgroupDirectory("freezer")}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_Should_PauseTheWorkloadAgain_When_TheAgentDiedDumpingAPausedTreeThatCriuHadThawed()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        // Paused as a runtime pauses a container, then dumped: CRIU thaws the cgroup once it holds every task by
        // ptrace and freezes it again as it lets go; killed with the agent in between, it leaves the tree running.
        await workload.PauseAsync();
        var (pending, _) = await DumpRecordedAsync(workload, "paused");
        await File.WriteAllTextAsync(Path.Combine(workload.CgroupDirectory("freezer"), "freezer.state"), "THAWED");
        var logger = new RecordingLogger<StoreRecovery>();

        await new StoreRecovery(RestartedStore(), new ProcFs(), logger).StartAsync(CancellationToken.None);

        Assert.Equal("FROZEN", FreezerState(workload));
        Assert.False(Directory.Exists(pending.Directory), "the interrupted dump's temporary directory is still there");
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"froze {workload.CgroupDirectory("freezer")} again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_Should_KillTheCriuThatOutlivedTheAgent_When_ItStillHoldsTheTree()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        var (pending, plan) = await DumpRecordedAsync(workload, "orphaned");
        using var scratch = new TempDirectory();
        var lingering = Path.Combine(scratch.Path, "lingering.pid");
        var script = Path.Combine(scratch.Path, "linger.sh");
        // CRIU stops at post-dump with every task still seized, as it does while the agent captures files.
        await File.WriteAllTextAsync(script, $"#!/bin/sh\n[ \"$CRTOOLS_SCRIPT_ACTION\" = post-dump ] || exit 0\necho $$ > '{lingering}.tmp'\nmv '{lingering}.tmp' '{lingering}'\nexec sleep 60\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var argv = plan.Launch.BuildCommandLine(TestEngines.CriuPath, (plan.Options with { ActionScript = script }).ToArguments());
        var start = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        argv.Skip(1).ToList().ForEach(start.ArgumentList.Add);
        using var criu = Process.Start(start)!;
        try
        {
            var stopped = await LingeringAsync(criu, lingering, workload);

            await new StoreRecovery(RestartedStore(), new ProcFs(), NullLogger<StoreRecovery>.Instance).StartAsync(CancellationToken.None);

            Assert.True(criu.WaitForExit(TimeSpan.FromSeconds(10)), "CRIU still runs");
            Assert.False(Directory.Exists(pending.Directory), "the interrupted dump's temporary directory is still there");
            await workload.WaitForOutputAsync(o => Counter.Last(o) > stopped + 2, Patience, CancellationToken.None);
        }
        finally
        {
            if (!criu.HasExited)
            {
                criu.Kill();
            }
            if (File.Exists(lingering))
            {
                Cryo.Agent.Containers.ProcessKiller.Kill(int.Parse(File.ReadAllText(lingering).Trim(), System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    [Fact]
    public async Task Start_Should_SayTheCgroupIsGoneAndSweepTheDump_When_TheDumpedContainerEnded()
    {
        PendingCheckpoint pending;
        string freezer;
        await using (var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None))
        {
            await workload.WaitForOutputAsync(o => Counter.Last(o) >= 1, Patience, CancellationToken.None);
            (pending, _) = await DumpRecordedAsync(workload, "ended");
            freezer = workload.CgroupDirectory("freezer");
            await FreezeAsync(workload);
        }
        Assert.False(Directory.Exists(freezer), "the harness left the workload's cgroup");
        var logger = new RecordingLogger<StoreRecovery>();

        await new StoreRecovery(RestartedStore(), new ProcFs(), logger).StartAsync(CancellationToken.None);

        Assert.False(Directory.Exists(pending.Directory), "the interrupted dump's temporary directory is still there");
        Assert.Contains(logger.Entries, e => e.Message.Contains($"{freezer} is gone", StringComparison.Ordinal));
        Assert.DoesNotContain(logger.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Start_Should_LeaveTheFreezerFrozen_When_TheDumpedRootsPidIsAnotherProcessNow()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        // The record of an earlier tree whose root had the same PID: same PID, another start time.
        var (pending, _) = await DumpRecordedAsync(workload, "reused", r => r with { RootStartTime = r.RootStartTime - 1 });
        var stopped = await FreezeAsync(workload);
        var logger = new RecordingLogger<StoreRecovery>();

        await new StoreRecovery(RestartedStore(), new ProcFs(), logger).StartAsync(CancellationToken.None);

        Assert.Equal("FROZEN", FreezerState(workload));
        Assert.Equal(stopped, Counter.Last(workload.Stdout));
        Assert.False(Directory.Exists(pending.Directory), "the interrupted dump's temporary directory is still there");
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("is another process now", StringComparison.Ordinal)
            && e.Message.Contains($"echo THAWED > {workload.CgroupDirectory("freezer")}/freezer.state", StringComparison.Ordinal));
    }

    /// <summary>The next agent's store: a new instance over the same volume, started as the host starts it.</summary>
    private ImageStore RestartedStore() => new(new ImageStoreOptions { RootDirectory = engines.StoreRoot });

    /// <summary>A dump begun and recorded as the engine does it, before CRIU would start.</summary>
    private async Task<(PendingCheckpoint Pending, DumpPlan Plan)> DumpRecordedAsync(ContainerWorkload workload, string name, Func<DumpRecoveryRecord, DumpRecoveryRecord>? change = null)
    {
        var command = TestEngines.CheckpointOf(workload.InitPid, name);
        var tree = await new ContainerResolver(new ProcFs()).ResolveAsync(command.Source, CancellationToken.None);
        var pending = engines.Store.Begin(new CheckpointKey(command.Namespace, command.Name, command.OperationId));
        var plan = DumpPlan.For(tree, command, pending.ImagesDirectory, sessionOutsideTree: false);
        var record = await DumpRecoveryRecord.ForAsync(new ProcFs(), tree, plan, CancellationToken.None);
        Assert.NotNull(record.Freezer);
        await (change?.Invoke(record) ?? record).WriteAsync(pending.Directory, CancellationToken.None);
        return (pending, plan);
    }

    /// <summary>Freezes the workload's cgroup and shows it stopped; returns the last number it printed.</summary>
    private static async Task<int> FreezeAsync(ContainerWorkload workload)
    {
        await workload.PauseAsync();
        return await StoppedAsync(workload);
    }

    /// <summary>Waits until CRIU lingers at post-dump and shows the tree stopped; returns the last number it printed.</summary>
    private static async Task<int> LingeringAsync(Process criu, string lingering, ContainerWorkload workload)
    {
        for (var waited = TimeSpan.Zero; !File.Exists(lingering); waited += TimeSpan.FromMilliseconds(20))
        {
            Assert.False(criu.HasExited, $"CRIU ended before post-dump (exit {(criu.HasExited ? criu.ExitCode : 0)})");
            Assert.True(waited < Patience, "CRIU never reached post-dump");
            await Task.Delay(20);
        }
        return await StoppedAsync(workload);
    }

    /// <summary>The workload's last number, once it has not moved for a while: the test would prove nothing with a running tree.</summary>
    private static async Task<int> StoppedAsync(ContainerWorkload workload)
    {
        // A line written just before the freeze may still be on its way through the harness's pipe.
        await Task.Delay(200);
        var stopped = Counter.Last(workload.Stdout);
        await Task.Delay(500);
        Assert.Equal(stopped, Counter.Last(workload.Stdout));
        return stopped;
    }

    private static string FreezerState(ContainerWorkload workload) =>
        File.ReadAllText(Path.Combine(workload.CgroupDirectory("freezer"), "freezer.state")).Trim();

    /// <summary>
    /// What an agent killed mid-dump leaves: the dump planned and recorded as the engine does it, CRIU
    /// killed at post-dump (connections locked), and nothing undone — no thaw, no unlock, no cleanup.
    /// </summary>
    private async Task<PendingCheckpoint> DumpKilledWithTheAgentAsync(ContainerWorkload workload)
    {
        var command = TestEngines.CheckpointOf(workload.InitPid, "crashed", tcpEstablished: true);
        var tree = await new ContainerResolver(new ProcFs()).ResolveAsync(command.Source, CancellationToken.None);
        var pending = engines.Store.Begin(new CheckpointKey(command.Namespace, command.Name, command.OperationId));
        var plan = DumpPlan.For(tree, command, pending.ImagesDirectory, sessionOutsideTree: false);
        await (await DumpRecoveryRecord.ForAsync(new ProcFs(), tree, plan, CancellationToken.None)).WriteAsync(pending.Directory, CancellationToken.None);
        var criu = new InterruptingCriu(engines.Criu) { OnlyAtPostDump = true };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => criu.DumpAsync(plan.Options, plan.Launch, Patience, CancellationToken.None));
        Assert.True(criu.Interrupted, "the dump finished before CRIU reached post-dump");
        // CRIU thaws the freezer once it holds the tasks by ptrace; they run again when it dies.
        Assert.False(plan.Freezer?.IsFrozen() ?? false, "CRIU left the tree frozen: this test expects only the network to be locked");
        return pending;
    }
}
