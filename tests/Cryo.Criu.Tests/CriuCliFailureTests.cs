using System.Globalization;

namespace Cryo.Criu.Tests;

/// <summary>How CRIU failures, deadlines and cancellation surface.</summary>
public class CriuCliFailureTests
{
    // Above pid_max (32768 here, at most 4194304 anywhere): never a live process.
    private const int MissingPid = 4_194_305;

    [Fact]
    public async Task Dump_Should_ThrowWithTheLogsErrorLines_When_ThePidDoesNotExist()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var images = dir.Combine("images");

        var error = await Assert.ThrowsAsync<CriuException>(() => CriuForTests.Create().DumpAsync(
            new DumpOptions { ImagesDirectory = images, Pid = MissingPid }, null, CriuForTests.Deadline, timeout.Token));

        Assert.IsNotType<CriuTimeoutException>(error);
        Assert.Equal("dump", error.Operation);
        Assert.Equal(1, error.ExitCode);
        Assert.Equal(Path.Combine(images, "dump.log"), error.LogPath);
        Assert.True(File.Exists(error.LogPath));
        Assert.Contains("Error (", error.LogExcerpt);
        Assert.Contains(MissingPid.ToString(CultureInfo.InvariantCulture), error.LogExcerpt);
        Assert.DoesNotContain("RLIMIT_NOFILE", error.LogExcerpt);
        Assert.StartsWith("criu dump failed (exit 1): Error (", error.Message);
        Assert.DoesNotContain("RLIMIT_NOFILE", error.Message);
    }

    [Fact]
    public async Task Dump_Should_KillCriuAndItsTreeAndThrowTimeout_When_TheDeadlinePasses()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var marker = SleepMarker();
        var launch = new CriuLaunch { Prefix = ["sh", "-c", $"sleep {marker}; exec \"$@\"", "sh"] };

        var error = await Assert.ThrowsAsync<CriuTimeoutException>(() => CriuForTests.Create().DumpAsync(
            new DumpOptions { ImagesDirectory = dir.Combine("images"), Pid = MissingPid }, launch, TimeSpan.FromSeconds(1),
            timeout.Token));

        Assert.Equal("dump", error.Operation);
        Assert.Equal(TimeSpan.FromSeconds(1), error.Deadline);
        Assert.Contains("killed after 1 s", error.Message);
        Assert.True(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLineContaining(marker).Count == 0,
            TimeSpan.FromSeconds(10)), "a process of the killed run survived");
    }

    [Fact]
    public async Task Restore_Should_KillCriuAndItsTree_When_Cancelled()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var marker = SleepMarker();
        var launch = new CriuLaunch { Prefix = ["sh", "-c", $"sleep {marker}; exec \"$@\"", "sh"] };
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var restore = CriuForTests.Create().RestoreAsync(new RestoreOptions { ImagesDirectory = dir.Path }, launch,
            CriuForTests.Deadline, cancel.Token);
        Assert.True(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLineContaining(marker).Count > 0,
            TimeSpan.FromSeconds(30)), "the launch never started");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => restore);
        Assert.True(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLineContaining(marker).Count == 0,
            TimeSpan.FromSeconds(10)), "a process of the cancelled run survived");
    }

    [Fact]
    public async Task Restore_Should_KillTheHalfRestoredTree_When_ItBlocksOnAHeldLockPastTheDeadline()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var images = dir.Combine("images");
        var criu = CriuForTests.Create();
        using var original = await NamespacedCounter.StartAsync(dir.Combine("counter"), dir.Combine("lock"));
        await criu.DumpAsync(new DumpOptions { ImagesDirectory = images, Pid = original.RootPid, LeaveRunning = true, FileLocks = true },
            null, CriuForTests.Deadline, timeout.Token);
        // The original's processes name the temporary directory; so does the restored root (CRIU forks it with its own argv).
        var before = ProcessTable.WithCommandLineContaining(dir.Path).Order().ToList();

        // The original still holds the lock: CRIU's restore of it waits forever.
        var error = await Assert.ThrowsAsync<CriuTimeoutException>(() => criu.RestoreAsync(
            new RestoreOptions { ImagesDirectory = images, FileLocks = true, PidFile = dir.Combine("restored.pid") }, null,
            TimeSpan.FromSeconds(5), timeout.Token));

        Assert.Equal("restore", error.Operation);
        Assert.Contains("killed after 5 s", error.Message);
        Assert.Equal(Path.Combine(images, "restore.log"), error.LogPath);
        Assert.True(await ProcessTable.WaitUntilAsync(
                () => ProcessTable.WithCommandLineContaining(dir.Path).Order().SequenceEqual(before), TimeSpan.FromSeconds(10)),
            $"processes of the half-restored tree survived: {string.Join(", ", ProcessTable.WithCommandLineContaining(dir.Path).Except(before))}");
        Assert.True(ProcessTable.IsRunning(original.RootPid), "the original lost its lock holder");
    }

    // A sleep long enough to outlive any deadline here, with a unique fraction to find its process by.
    private static string SleepMarker() =>
        "300." + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
}
