using Cryo.Criu.Stats;

namespace Cryo.Criu.Tests;

/// <summary>Real dumps and restores of a process tree in its own PID namespace.</summary>
public class CriuCliDumpRestoreTests
{
    [Fact]
    public async Task Restore_Should_ContinueTheCounterAsPid1OfANewNamespace_When_TheDumpKilledTheOriginal()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var images = dir.Combine("images");
        var pidFile = dir.Combine("restored.pid");
        var criu = CriuForTests.Create();
        var restoredPid = 0;
        try
        {
            using (var counter = await NamespacedCounter.StartAsync(dir.Combine("counter")))
            {
                // Act: dump (the original dies with it), then restore from the images.
                var dumpOptions = new DumpOptions { ImagesDirectory = images, Pid = counter.RootPid };
                var dump = await criu.DumpAsync(dumpOptions, null, CriuForTests.Deadline, timeout.Token);
                Assert.True(await ProcessTable.WaitUntilAsync(() => !ProcessTable.IsRunning(counter.RootPid), TimeSpan.FromSeconds(30)),
                    "the dumped tree kept running without --leave-running");
                Assert.Equal(Path.Combine(images, "dump.log"), dump.LogPath);
                Assert.True(File.Exists(dump.LogPath));
                Assert.True(CriuImageFiles.LooksComplete(images));
                Assert.Contains(Directory.EnumerateFiles(images), f => CriuImageFiles.IsPagesImage(f));
                Assert.True(CriuStatisticsReader.ReadDump(dumpOptions.StatsDirectory)?.PagesWritten > 0);
            }
            var countsAtDump = NamespacedCounter.ReadCounts(dir.Combine("counter"));

            var restoreOptions = new RestoreOptions { ImagesDirectory = images, PidFile = pidFile };
            var restore = await criu.RestoreAsync(restoreOptions, null, CriuForTests.Deadline, timeout.Token);
            restoredPid = restore.RestoredPid ?? 0;

            // Assert: the kernel shows the restored root as PID 1 of its own namespace, counting on from the dump.
            Assert.True(restoredPid > 0);
            Assert.Equal(Path.Combine(images, "restore.log"), restore.LogPath);
            Assert.True(File.Exists(restore.LogPath));
            Assert.True(CriuStatisticsReader.ReadRestore(restoreOptions.StatsDirectory)?.PagesRestored > 0);
            Assert.Equal([restoredPid, 1], ProcessTable.NamespacePids(restoredPid));
            var target = countsAtDump[^1] + 3;
            Assert.True(await ProcessTable.WaitUntilAsync(
                    () => NamespacedCounter.ReadCounts(dir.Combine("counter"))[^1] >= target, TimeSpan.FromSeconds(30)),
                "the restored counter does not progress");
            var counts = NamespacedCounter.ReadCounts(dir.Combine("counter"));
            Assert.Equal(Enumerable.Range(1, counts.Count), counts);
        }
        finally
        {
            ProcessTable.KillNamespaceInit(restoredPid);
        }
    }

    [Fact]
    public async Task Dump_Should_OpenRedirectedDescriptorsForCriu_When_TheLaunchAsksForThem()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var redirected = dir.Combine("fd3 'quoted' output");
        using var counter = await NamespacedCounter.StartAsync(dir.Combine("counter"));
        var launch = new CriuLaunch
        {
            // The prefix proves fd 3 reached the child, then execs CRIU with it still open.
            Prefix = ["sh", "-c", "echo \"prefix saw fd 3\" >&3; exec \"$@\"", "sh"],
            FdRedirects = new Dictionary<int, string> { [3] = redirected },
        };
        var options = new DumpOptions { ImagesDirectory = dir.Combine("images"), Pid = counter.RootPid, LeaveRunning = true };

        var result = await CriuForTests.Create().DumpAsync(options, launch, CriuForTests.Deadline, timeout.Token);

        Assert.Equal("prefix saw fd 3\n", File.ReadAllText(redirected));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/bin/sh", result.CommandLine[0]);
        Assert.True(CriuImageFiles.LooksComplete(options.ImagesDirectory));
        Assert.True(ProcessTable.IsRunning(counter.RootPid), "--leave-running did not leave the tree running");
    }

    [Fact]
    public async Task Restore_Should_Refuse_When_ThePidFileAlreadyExists()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var pidFile = dir.Combine("taken.pid");
        File.WriteAllText(pidFile, "1");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => CriuForTests.Create().RestoreAsync(
            new RestoreOptions { ImagesDirectory = dir.Path, PidFile = pidFile }, null, CriuForTests.Deadline, timeout.Token));

        Assert.Contains(pidFile, error.Message);
    }
}
