namespace Cryo.Criu.Tests.Options;

public class RestoreOptionsTests
{
    [Fact]
    public void ToArguments_Should_RestoreDetachedWithALogInTheImages_When_OnlyRequiredValuesAreSet()
    {
        var options = new RestoreOptions { ImagesDirectory = "/store/img" };

        var args = options.ToArguments();

        Assert.Equal(["restore", "-D", "/store/img", "-o", "restore.log", "-v4", "--restore-detached"], args);
        Assert.Equal("/store/img/restore.log", options.LogPath);
    }

    [Fact]
    public void ToArguments_Should_RenderEveryFlag_When_AllAreSet()
    {
        var options = new RestoreOptions
        {
            ImagesDirectory = "/img",
            Detached = true,
            RestoreSibling = true,
            PidFile = "/run/r.pid",
            Root = "/rootfs",
            External = ["mnt[vol]:/srv/vol"],
            InheritFds = [new InheritFd(3, "pipe:[103921]"), new InheritFd(4, "pipe:[103922]")],
            CgroupRoots = ["memory:/kubepods/pod1/c1", "cpu:/kubepods/pod1/c1"],
            ManageCgroups = true,
            ManageCgroupsMode = "soft",
            TcpEstablished = true,
            FileLocks = true,
            ShellJob = true,
            ExtUnixSk = true,
            ActionScript = "/bin/hook",
            MountNamespaceCompatMode = true,
            LazyPages = true,
            LogFile = "r.log",
            LogLevel = 3,
            DisplayStats = true,
            WorkDirectory = "/work",
            AdditionalArguments = ["--weak-sysctls"],
        };

        var args = options.ToArguments();

        Assert.Equal(
        [
            "restore", "-D", "/img", "-W", "/work", "-o", "r.log", "-v3", "--restore-detached", "--restore-sibling",
            "--pidfile", "/run/r.pid", "--root", "/rootfs", "--external", "mnt[vol]:/srv/vol",
            "--inherit-fd", "fd[3]:pipe:[103921]", "--inherit-fd", "fd[4]:pipe:[103922]",
            "--cgroup-root", "memory:/kubepods/pod1/c1", "--cgroup-root", "cpu:/kubepods/pod1/c1",
            "--manage-cgroups=soft", "--tcp-established", "--file-locks", "--shell-job", "--ext-unix-sk",
            "--action-script", "/bin/hook", "--mntns-compat-mode", "--lazy-pages", "--display-stats", "--weak-sysctls",
        ], args);
        Assert.Equal("/work/r.log", options.LogPath);
    }

    [Fact]
    public void ToArguments_Should_StayAttached_When_DetachedIsOff()
    {
        var options = new RestoreOptions { ImagesDirectory = "/img", Detached = false };

        Assert.DoesNotContain("--restore-detached", options.ToArguments());
    }

    [Fact]
    public void ToArguments_Should_Throw_When_ThePidFileIsRelative()
    {
        var options = new RestoreOptions { ImagesDirectory = "/img", PidFile = "restored.pid" };

        var error = Assert.Throws<ArgumentException>(() => options.ToArguments());

        Assert.Equal("PidFile", error.ParamName);
    }

    [Fact]
    public void ToArguments_Should_Throw_When_AnInheritedFdHasNoKey()
    {
        var options = new RestoreOptions { ImagesDirectory = "/img", InheritFds = [new InheritFd(3, "")] };

        Assert.ThrowsAny<ArgumentException>(() => options.ToArguments());
    }

    [Fact]
    public void InheritFd_Should_RenderCriusSyntax()
    {
        Assert.Equal("fd[5]:extnet", new InheritFd(5, "extnet").ToArgument());
    }
}
