using Cryo.Criu.Stats;

namespace Cryo.Criu.Tests.Stats;

public sealed class CriuStatisticsReaderTests : IDisposable
{
    // Written by criu 4.2.1 on this kind of machine: a leave-running dump of a busybox tree, then a restore.
    private static readonly byte[] StatsDump = Convert.FromHexString(
        "405910550633095723000000" + "0a2108e0041090e90218c51020b8042831300038234000480050085808600068007000");
    private static readonly byte[] StatsRestore = Convert.FromHexString(
        "40591055063309570f000000" + "120d0809100218840420a9803a2821");

    private readonly TempDirectory _dir = new("cryo-stats-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ReadDump_Should_DecodeCriusCounters_When_StatsDumpExists()
    {
        File.WriteAllBytes(_dir.Combine(CriuStatisticsReader.DumpFile), StatsDump);

        var stats = CriuStatisticsReader.ReadDump(_dir.Path);

        Assert.NotNull(stats);
        Assert.Equal(TimeSpan.FromMicroseconds(608), stats.FreezingTime);
        Assert.Equal(TimeSpan.FromMicroseconds(46224), stats.FrozenTime);
        Assert.Equal(TimeSpan.FromMicroseconds(2117), stats.MemoryDumpTime);
        Assert.Equal(TimeSpan.FromMicroseconds(568), stats.MemoryWriteTime);
        Assert.Equal(49, stats.PagesScanned);
        Assert.Equal(35, stats.PagesWritten);
    }

    [Fact]
    public void ReadRestore_Should_DecodeCriusCounters_When_StatsRestoreExists()
    {
        File.WriteAllBytes(_dir.Combine(CriuStatisticsReader.RestoreFile), StatsRestore);

        var stats = CriuStatisticsReader.ReadRestore(_dir.Path);

        Assert.NotNull(stats);
        Assert.Equal(TimeSpan.FromMicroseconds(516), stats.ForkingTime);
        Assert.Equal(TimeSpan.FromMicroseconds(950313), stats.RestoreTime);
        Assert.Equal(33, stats.PagesRestored);
    }

    [Fact]
    public void ReadDump_Should_ReturnNull_When_FileIsMissingOrTruncated()
    {
        Assert.Null(CriuStatisticsReader.ReadDump(_dir.Path));

        File.WriteAllBytes(_dir.Combine(CriuStatisticsReader.DumpFile), StatsDump[..20]);

        Assert.Null(CriuStatisticsReader.ReadDump(_dir.Path));
    }
}
