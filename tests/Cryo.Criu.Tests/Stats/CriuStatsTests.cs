using Cryo.Criu.Tests.TestSupport;
using Xunit;

namespace Cryo.Criu.Tests.Stats;

public class CriuStatsTests
{
    // Written by CRIU 4.2.1 for a dump and a restore of a small shell loop.
    private static readonly byte[] StatsDump = Convert.FromHexString(
        "4059105506330957220000000A2008940210CC6418F50820B70228693000383D40004800500C580C600068007000");

    private static readonly byte[] StatsRestore = Convert.FromHexString(
        "40591055063309570E000000120C0800100018CD0320D931283D");

    [Fact]
    public void ParseDump_Should_DecodeTimesAndPageCounts()
    {
        var stats = CriuStats.ParseDump(StatsDump);

        Assert.Equal(TimeSpan.FromMicroseconds(276), stats.FreezingTime);
        Assert.Equal(TimeSpan.FromMicroseconds(12876), stats.FrozenTime);
        Assert.Equal(TimeSpan.FromMicroseconds(1141), stats.MemoryDumpTime);
        Assert.Equal(TimeSpan.FromMicroseconds(311), stats.MemoryWriteTime);
        Assert.Equal(105UL, stats.PagesScanned);
        Assert.Equal(0UL, stats.PagesSkippedParent);
        Assert.Equal(61UL, stats.PagesWritten);
        Assert.Equal(0UL, stats.PagesLazy);
    }

    [Fact]
    public void ParseRestore_Should_DecodeTimesAndPageCounts()
    {
        var stats = CriuStats.ParseRestore(StatsRestore);

        Assert.Equal(TimeSpan.FromMicroseconds(461), stats.ForkingTime);
        Assert.Equal(TimeSpan.FromMicroseconds(6361), stats.RestoreTime);
        Assert.Equal(61UL, stats.PagesRestored);
    }

    [Fact]
    public void ParseDump_Should_Throw_When_TheFileIsARestoreStatsImage()
    {
        Assert.Throws<FormatException>(() => CriuStats.ParseDump(StatsRestore));
    }

    [Fact]
    public void ParseDump_Should_Throw_When_TheFileIsTruncated()
    {
        Assert.Throws<FormatException>(() => CriuStats.ParseDump(StatsDump.AsSpan(0, 20)));
    }

    [Fact]
    public void ReadDump_Should_Throw_When_TheFileIsNotAStatsImage()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("stats-dump"), "not stats at all");

        Assert.Throws<FormatException>(() => CriuStats.ReadDump(dir.Combine("stats-dump")));
    }
}
