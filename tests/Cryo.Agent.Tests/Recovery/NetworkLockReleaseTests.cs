using Cryo.Agent.Recovery;
using Cryo.Agent.Tests.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Agent.Tests.Recovery;

/// <summary>What the network lock release reports when it cannot do its work.</summary>
public sealed class NetworkLockReleaseTests : IDisposable
{
    private const string RunId = "cb7094b2-ac2f-48b1-8818-740d342076ab";
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Release_Should_SayTheLockMayRemainAndHowToRemoveIt_When_NftFails()
    {
        var log = Path.Combine(directory.Path, "dump.log");
        await File.WriteAllTextAsync(log, $"(00.000000) CRIU run id = {RunId}\n");
        var ownNetwork = new ProcFs().ReadNamespaceInode(Environment.ProcessId, NamespaceKind.Net)!.Value;
        var record = new NetworkLockRecord(Environment.ProcessId, ownNetwork, log);

        var result = await new NetworkLockRelease(new ProcFs(), NullLogger.Instance, nftPath: "/bin/false").ReleaseAsync(record, "checkpoint default/web", CancellationToken.None);

        Assert.Equal(NetworkLockReleaseStatus.Failed, result.Status);
        Assert.Contains("stay blocked", result.Detail, StringComparison.Ordinal);
        Assert.Contains($"nsenter --net=/proc/{Environment.ProcessId}/ns/net nft list tables inet", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_Should_FindNothingToDo_When_CriuLoggedNoRunId()
    {
        var record = new NetworkLockRecord(Environment.ProcessId, 1, Path.Combine(directory.Path, "missing.log"));

        var result = await new NetworkLockRelease(new ProcFs(), NullLogger.Instance, nftPath: "/bin/false").ReleaseAsync(record, "checkpoint default/web", CancellationToken.None);

        Assert.Equal(NetworkLockReleaseStatus.NotLocked, result.Status);
    }

    [Fact]
    public async Task Release_Should_SayTheNamespaceIsGone_When_NoProcessIsLeftInIt()
    {
        var log = Path.Combine(directory.Path, "dump.log");
        await File.WriteAllTextAsync(log, $"(00.000000) CRIU run id = {RunId}\n");
        var record = new NetworkLockRecord(int.MaxValue - 1, 1, log);

        var result = await new NetworkLockRelease(new ProcFs(), NullLogger.Instance, nftPath: "/bin/false").ReleaseAsync(record, "checkpoint default/web", CancellationToken.None);

        Assert.Equal(NetworkLockReleaseStatus.NamespaceGone, result.Status);
    }
}
