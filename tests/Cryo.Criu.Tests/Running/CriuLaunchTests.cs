namespace Cryo.Criu.Tests.Running;

public class CriuLaunchTests
{
    [Fact]
    public void BuildCommandLine_Should_ExecCriuDirectly_When_LaunchIsDirect()
    {
        var command = CriuLaunch.Direct.BuildCommandLine("/opt/criu", ["dump", "-t", "1"]);

        Assert.Equal(["/opt/criu", "dump", "-t", "1"], command);
    }

    [Fact]
    public void BuildCommandLine_Should_PutThePrefixFirst_When_OneIsGiven()
    {
        var launch = new CriuLaunch { Prefix = ["nsenter", "-t", "123", "--net", "--uts", "--ipc", "--"] };

        var command = launch.BuildCommandLine("/opt/criu", ["restore"]);

        Assert.Equal(["nsenter", "-t", "123", "--net", "--uts", "--ipc", "--", "/opt/criu", "restore"], command);
    }

    [Fact]
    public void BuildCommandLine_Should_OpenDescriptorsThroughAQuotedShellScript_When_RedirectsAreGiven()
    {
        var launch = new CriuLaunch
        {
            Prefix = ["nsenter", "-t", "9", "--"],
            FdRedirects = new Dictionary<int, string> { [4] = "/proc/77/fd/2", [3] = "/tmp/it's here" },
            FdInputs = new Dictionary<int, string> { [5] = "/proc/77/ns/net" },
        };

        var command = launch.BuildCommandLine("/opt/criu", ["restore", "-D", "/img $x"]);

        Assert.Equal(
        [
            "/bin/sh", "-c", "exec \"$@\" 3>'/tmp/it'\\''s here' 4>'/proc/77/fd/2' 5<'/proc/77/ns/net'", "sh",
            "nsenter", "-t", "9", "--", "/opt/criu", "restore", "-D", "/img $x",
        ], command);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(10)]
    public void BuildCommandLine_Should_Throw_When_ARedirectedDescriptorIsOutOfRange(int fd)
    {
        var launch = new CriuLaunch { FdRedirects = new Dictionary<int, string> { [fd] = "/dev/null" } };

        Assert.ThrowsAny<ArgumentException>(() => launch.BuildCommandLine("/opt/criu", ["check"]));
    }
}
