namespace Cryo.Criu.Tests.Options;

public class DumpOptionsTests
{
    [Fact]
    public void ToArguments_Should_LogVerboselyIntoImagesAndLockWithNftables_When_OnlyRequiredValuesAreSet()
    {
        var options = new DumpOptions { ImagesDirectory = "/store/img", Pid = 4242 };

        var args = options.ToArguments();

        Assert.Equal(["dump", "-t", "4242", "-D", "/store/img", "-o", "dump.log", "-v4", "--network-lock", "nftables"], args);
        Assert.Equal("/store/img/dump.log", options.LogPath);
    }

    [Fact]
    public void ToArguments_Should_RenderEveryFlag_When_AllAreSet()
    {
        var options = new DumpOptions
        {
            ImagesDirectory = "/img",
            Pid = 7,
            LeaveRunning = true,
            TcpEstablished = true,
            FileLocks = true,
            ShellJob = true,
            ExtUnixSk = true,
            ManageCgroups = true,
            FreezeCgroup = "/sys/fs/cgroup/freezer/w",
            External = ["mnt[/data]:vol", "mnt[/etc/hosts]:hosts"],
            Root = "/rootfs",
            ActionScript = "/bin/hook",
            TrackMem = true,
            PrevImagesDirectory = "../1",
            AutoDedup = true,
            PageServer = new CriuEndpoint("127.0.0.1", 27000),
            GhostLimit = 1048576,
            LogFile = "/var/log/d.log",
            LogLevel = 2,
            DisplayStats = true,
            WorkDirectory = "/work",
            AdditionalArguments = ["--skip-in-flight"],
        };

        var args = options.ToArguments();

        Assert.Equal(
        [
            "dump", "-t", "7", "-D", "/img", "-W", "/work", "-o", "/var/log/d.log", "-v2",
            "--leave-running", "--tcp-established", "--file-locks", "--shell-job", "--ext-unix-sk", "--manage-cgroups",
            "--freeze-cgroup", "/sys/fs/cgroup/freezer/w", "--network-lock", "nftables",
            "--external", "mnt[/data]:vol", "--external", "mnt[/etc/hosts]:hosts",
            "--root", "/rootfs", "--action-script", "/bin/hook", "--track-mem", "--prev-images-dir", "../1", "--auto-dedup",
            "--page-server", "--address", "127.0.0.1", "--port", "27000", "--ghost-limit", "1048576",
            "--display-stats", "--skip-in-flight",
        ], args);
        Assert.Equal("/var/log/d.log", options.LogPath);
    }

    [Fact]
    public void ToArguments_Should_GlueTheCgroupModeOn_When_AModeIsGiven()
    {
        var options = new DumpOptions { ImagesDirectory = "/img", Pid = 7, ManageCgroupsMode = "full", NetworkLock = null };

        var args = options.ToArguments();

        Assert.Equal(["dump", "-t", "7", "-D", "/img", "-o", "dump.log", "-v4", "--manage-cgroups=full"], args);
    }

    [Fact]
    public void ToArguments_Should_GiveOnlyTheListeningAddress_When_DumpingForLazyPages()
    {
        var options = new DumpOptions
        {
            ImagesDirectory = "/img", Pid = 7, NetworkLock = null, LazyPages = true, PageServer = new CriuEndpoint("0.0.0.0", 27001),
        };

        var args = options.ToArguments();

        Assert.Equal(["dump", "-t", "7", "-D", "/img", "-o", "dump.log", "-v4", "--lazy-pages", "--address", "0.0.0.0", "--port", "27001"], args);
    }

    [Fact]
    public void LogPath_Should_FollowTheWorkDirectory_When_OneIsSet()
    {
        var options = new DumpOptions { ImagesDirectory = "/img", Pid = 7, WorkDirectory = "/work" };

        Assert.Equal("/work/dump.log", options.LogPath);
    }

    [Theory]
    [InlineData(0, "/img", "dump.log", 4)]
    [InlineData(7, "", "dump.log", 4)]
    [InlineData(7, "/img", "", 4)]
    [InlineData(7, "/img", "dump.log", 5)]
    public void ToArguments_Should_Throw_When_ARequiredValueIsUnusable(int pid, string images, string logFile, int logLevel)
    {
        var options = new DumpOptions { ImagesDirectory = images, Pid = pid, LogFile = logFile, LogLevel = logLevel };

        Assert.ThrowsAny<ArgumentException>(() => options.ToArguments());
    }

    [Fact]
    public void ToArguments_Should_Throw_When_AnExternalResourceIsEmpty()
    {
        var options = new DumpOptions { ImagesDirectory = "/img", Pid = 7, External = [""] };

        Assert.ThrowsAny<ArgumentException>(() => options.ToArguments());
    }
}
