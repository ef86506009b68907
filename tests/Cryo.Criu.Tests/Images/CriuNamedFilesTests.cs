namespace Cryo.Criu.Tests.Images;

/// <summary>The paths a restore opens by name, read from a real dump's file table.</summary>
public class CriuNamedFilesTests
{
    [Fact]
    public async Task Read_Should_NameTheFileATaskHoldsOpenAndWhereItRuns_When_ReadFromARealDump()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var images = dir.Combine("images");
        var lockFile = dir.Combine("held.lock");
        // flock holds the lock file open for as long as the counter runs; the counter appends to its file only now and then.
        using var counter = await NamespacedCounter.StartAsync(dir.Combine("counter"), lockFile);
        await CriuForTests.Create().DumpAsync(new DumpOptions { ImagesDirectory = images, Pid = counter.RootPid, LeaveRunning = true, FileLocks = true },
            null, CriuForTests.Deadline, timeout.Token);

        var named = CriuNamedFiles.Read(images);

        Assert.True(named.Complete, named.IncompleteBecause);
        Assert.Contains(lockFile, named.Paths);
        Assert.Contains("/dev/null", named.Paths);
        Assert.All(named.Paths, p => Assert.StartsWith("/", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_Should_SayItCannotTell_When_TheImagesHoldNoFileTable()
    {
        using var dir = new TempDirectory();

        var named = CriuNamedFiles.Read(dir.Path);

        Assert.False(named.Complete);
        Assert.Contains("files.img", named.IncompleteBecause, StringComparison.Ordinal);
        Assert.Empty(named.Paths);
    }

    [Fact]
    public void Read_Should_RefuseNamingTheImage_When_TheFileTableIsNotOne()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("files.img"), [1, 2, 3, 4, 5, 6, 7, 8]);

        var error = Assert.Throws<CriuImageFormatException>(() => CriuNamedFiles.Read(dir.Path));

        Assert.Contains("files.img", error.Message, StringComparison.Ordinal);
    }
}
