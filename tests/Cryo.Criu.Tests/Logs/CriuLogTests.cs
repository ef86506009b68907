using Cryo.Criu.Logs;
using Cryo.Criu.Network;

namespace Cryo.Criu.Tests.Logs;

public class CriuLogTests
{
    private const string FailedDumpLog = """
        (00.000000) Version: 4.2.1 (gitid 0)
        (00.000010) Error (criu/util.c:1534): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted
        (00.000020) line a
        (00.000030) line b
        (00.000040) line c
        (00.000050) line d
        (00.000060) line e
        (00.044701) Warn  (compel/src/lib/infect.c:132): Unable to interrupt task: 999999 (No such process)
        (00.044714) net: Unlock network
        (00.044726) Error (compel/src/lib/infect.c:417): Unable to detach from 999999: No such process
        (00.044734) Error (criu/cr-dump.c:1975): Dumping FAILED.
        (00.044800) after 1
        (00.044900) after 2
        (00.045000) after 3
        """;

    [Fact]
    public void ParseErrors_Should_IgnoreTheRlimitError_When_EveryRunPrintsIt()
    {
        var excerpt = CriuLog.ParseErrors(FailedDumpLog, context: 1);

        Assert.Equal(
            ["Error (compel/src/lib/infect.c:417): Unable to detach from 999999: No such process", "Error (criu/cr-dump.c:1975): Dumping FAILED."],
            excerpt.Errors);
        Assert.DoesNotContain("RLIMIT_NOFILE", excerpt.Text);
    }

    [Fact]
    public void ParseErrors_Should_KeepContextAroundErrors_When_ErrorsAreClose()
    {
        var excerpt = CriuLog.ParseErrors(FailedDumpLog, context: 2);

        Assert.Equal(
            """
            (00.044701) Warn  (compel/src/lib/infect.c:132): Unable to interrupt task: 999999 (No such process)
            (00.044714) net: Unlock network
            (00.044726) Error (compel/src/lib/infect.c:417): Unable to detach from 999999: No such process
            (00.044734) Error (criu/cr-dump.c:1975): Dumping FAILED.
            (00.044800) after 1
            (00.044900) after 2
            """, excerpt.Text);
        Assert.Equal("Error (compel/src/lib/infect.c:417): Unable to detach from 999999: No such process", excerpt.FirstError);
    }

    [Fact]
    public void ParseErrors_Should_SeparateBlocks_When_ErrorsAreFarApart()
    {
        const string log = "Error (a.c:1): first\nx1\nx2\nx3\nx4\nError (b.c:2): second\ny1";

        var excerpt = CriuLog.ParseErrors(log, context: 1);

        Assert.Equal("Error (a.c:1): first\nx1\n...\nx4\nError (b.c:2): second\ny1", excerpt.Text);
    }

    [Fact]
    public void ParseErrors_Should_ReturnNothing_When_OnlyTheRlimitErrorIsLogged()
    {
        var excerpt = CriuLog.ParseErrors("Error (criu/util.c:1534): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted\nok\n");

        Assert.Empty(excerpt.Errors);
        Assert.Equal(string.Empty, excerpt.Text);
        Assert.Null(excerpt.FirstError);
    }

    [Fact]
    public void ExtractErrors_Should_ReadTheLogFile_When_ItExists()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("dump.log");
        File.WriteAllText(path, FailedDumpLog);

        var excerpt = CriuLog.ExtractErrors(path, context: 0);

        Assert.Equal(
            "(00.044726) Error (compel/src/lib/infect.c:417): Unable to detach from 999999: No such process\n(00.044734) Error (criu/cr-dump.c:1975): Dumping FAILED.",
            excerpt.Text);
    }

    [Fact]
    public void ExtractErrors_Should_ReturnNothing_When_CriuWroteNoLog()
    {
        using var dir = new TempDirectory();

        var excerpt = CriuLog.ExtractErrors(dir.Combine("dump.log"));

        Assert.Same(CriuLogExcerpt.Empty, excerpt);
    }

    [Fact]
    public void ReadRunId_Should_ReturnTheIdOfTheFirstLine_When_CriuStartedLogging()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("dump.log");
        File.WriteAllText(path, "(00.000000) CRIU run id = cb7094b2-ac2f-48b1-8818-740d342076ab\n" + FailedDumpLog);

        var runId = CriuLog.ReadRunId(path);

        Assert.Equal("cb7094b2-ac2f-48b1-8818-740d342076ab", runId);
        Assert.Equal("inet CRIU-cb7094b2-ac2f-48b1-8818-740d342076ab", new NetworkLockTable(runId!).ToString());
    }

    [Fact]
    public void ReadRunId_Should_ReturnNull_When_TheLogIsMissingOrHasNoId()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("dump.log");
        Assert.Null(CriuLog.ReadRunId(path));

        File.WriteAllText(path, FailedDumpLog);

        Assert.Null(CriuLog.ReadRunId(path));
    }

    [Theory]
    [InlineData("CRIU-cb7094b2-ac2f-48b1-8818-740d342076ab", true)]
    [InlineData("CRIU-cb7094b2-ac2f-48b1-88", true)]
    [InlineData("CRIU-cb7094b2", false)]
    [InlineData("CRIU-dc3353c1-17f7-474d-98", false)]
    [InlineData("filter", false)]
    public void NetworkLockTable_Should_KnowItsName_When_CriuCutsItShort(string tableName, bool isThisRuns)
    {
        // CRIU 4.2.1 names the table into a 32-byte buffer: "inet " + 26 characters.
        var table = new NetworkLockTable("cb7094b2-ac2f-48b1-8818-740d342076ab");

        Assert.Equal(isThisRuns, table.IsNamed(tableName));
    }
}
