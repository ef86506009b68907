using Cryo.Agent.Recovery;
using Cryo.Agent.Tests.Store;

namespace Cryo.Agent.Tests.Recovery;

/// <summary>The record a dump leaves for undoing it.</summary>
public sealed class DumpRecoveryRecordTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Record_Should_ReadBackWhatWasWritten_When_TheDumpFreezesAndLocksTheNetwork()
    {
        var record = new DumpRecoveryRecord(4242, 18_446_744_073_709_551_000,
            new FreezerRecord("/sys/fs/cgroup/freezer/kubepods/pod1/c1", Unified: false, WasFrozen: false),
            new NetworkLockRecord(4242, 4026532999, "/store/.tmp/node/default.web-uid.x/images/dump.log"));

        await record.WriteAsync(directory.Path, CancellationToken.None);

        Assert.Equal(record, DumpRecoveryRecord.Read(directory.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory.Path, DumpRecoveryRecord.FileName)));
        DumpRecoveryRecord.Delete(directory.Path);
        Assert.Null(DumpRecoveryRecord.Read(directory.Path));
    }

    [Fact]
    public async Task Record_Should_ReadBackWhatWasWritten_When_TheDumpNeitherFreezesNorLocks()
    {
        var record = new DumpRecoveryRecord(77, 123, null, null);

        await record.WriteAsync(directory.Path, CancellationToken.None);

        Assert.Equal(record, DumpRecoveryRecord.Read(directory.Path));
    }

    [Fact]
    public void Record_Should_NameTheFile_When_ItIsNotARecord()
    {
        File.WriteAllText(Path.Combine(directory.Path, DumpRecoveryRecord.FileName), "{\"rootPid\": \"x\"}");

        var error = Assert.Throws<InvalidDataException>(() => DumpRecoveryRecord.Read(directory.Path));

        Assert.Contains(DumpRecoveryRecord.FileName, error.Message, StringComparison.Ordinal);
    }
}
