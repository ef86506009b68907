using Cryo.Agent.Checkpointing;
using Cryo.Agent.Containers;
using Cryo.Agent.Hosting;
using Cryo.Agent.Processes;
using Cryo.Agent.Store;
using Cryo.Agent.Tests.Harness;
using Cryo.Agent.Tests.Support;
using Cryo.Criu;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Cryo.Agent.Tests.Hosting;

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

        // The next agent: a new store instance over the same volume, started as the host starts it.
        var restarted = new ImageStore(new ImageStoreOptions { RootDirectory = engines.StoreRoot });
        await new StoreRecovery(restarted, NullLogger<StoreRecovery>.Instance).StartAsync(CancellationToken.None);

        Assert.DoesNotContain(await NftTables.InetTablesOfAsync(workload.InitPid), t => t.StartsWith(NetworkLockTable.NamePrefix, StringComparison.Ordinal));
        Assert.False(Directory.Exists(pending.Directory), "the interrupted dump's temporary directory is still there");
        var after = EchoingConnection.LastAck(workload.Stdout);
        await workload.WaitForOutputAsync(o => EchoingConnection.LastAck(o) > after + 5, Patience, CancellationToken.None);
    }

    /// <summary>
    /// What an agent killed mid-dump leaves: the dump planned and recorded as the engine does it, CRIU
    /// killed at post-dump (connections locked), and nothing undone — no thaw, no unlock, no cleanup.
    /// </summary>
    private async Task<PendingCheckpoint> DumpKilledWithTheAgentAsync(ContainerWorkload workload)
    {
        var command = TestEngines.CheckpointOf(workload.InitPid, "crashed", tcpEstablished: true);
        var tree = await new ContainerResolver().ResolveAsync(command.Source, CancellationToken.None);
        var pending = engines.Store.Begin(new CheckpointKey(command.Namespace, command.Name, command.OperationId));
        var plan = DumpPlan.For(tree, command, pending.ImagesDirectory, sessionOutsideTree: false);
        await (await DumpRecoveryRecord.ForAsync(tree, plan, CancellationToken.None)).WriteAsync(pending.Directory, CancellationToken.None);
        var criu = new InterruptingCriu(engines.Criu) { OnlyAtPostDump = true };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => criu.DumpAsync(plan.Options, plan.Launch, Patience, CancellationToken.None));
        Assert.True(criu.Interrupted, "the dump finished before CRIU reached post-dump");
        // CRIU thaws the freezer once it holds the tasks by ptrace; they run again when it dies.
        Assert.False(plan.Freezer?.IsFrozen() ?? false, "CRIU left the tree frozen: this test expects only the network to be locked");
        return pending;
    }
}
