namespace Cryo.Agent.Tests.Node;

public sealed class CriLogTests
{
    [Fact]
    public void Parse_Should_JoinPartialEntriesPerStream_When_TheRuntimeSplitALine()
    {
        const string content = "2026-12-06T18:42:15.211929307Z stdout P long \n"
            + "2026-12-06T18:42:15.211929308Z stderr F oops\n"
            + "2026-12-06T18:42:15.2119Z stdout F line\n"
            + "2026-12-06T18:42:16Z stdout F \n";

        var entries = CriLog.Parse(content);

        Assert.Equal(4, entries.Count);
        Assert.Equal(new CriLogEntry(new DateTimeOffset(2026, 12, 6, 18, 42, 15, TimeSpan.Zero).AddTicks(2119293), "stdout", true, "long "), entries[0]);
        Assert.Equal("long line\n\n", CriLog.Text(entries, "stdout"));
        Assert.Equal("oops\n", CriLog.Text(entries, "stderr"));
        Assert.Equal("long oops\nline\n\n", CriLog.Text(entries));
    }

    [Fact]
    public void Parse_Should_LeaveOutTheLastLine_When_ItIsStillBeingWritten()
    {
        var entries = CriLog.Parse("2026-12-06T18:42:15+02:00 stdout F done\n2026-12-06T18:42:15.5Z stdout F hal");

        var entry = Assert.Single(entries);
        Assert.Equal(TimeSpan.FromHours(2), entry.Time.Offset);
        Assert.Equal("done", entry.Text);
    }

    [Theory]
    [InlineData("2026-12-06T18:42:15Z stdin F x")]
    [InlineData("2026-12-06T18:42:15Z stdout X x")]
    [InlineData("yesterday stdout F x")]
    public void ParseLine_Should_Refuse_When_TheLineIsNotInTheCriFormat(string line) =>
        Assert.Throws<FormatException>(() => CriLog.ParseLine(line));

    [Fact]
    public void Read_Should_BeEmpty_When_TheRuntimeHasNotCreatedTheFileYet() =>
        Assert.Empty(CriLog.Read(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "0.log")));
}
