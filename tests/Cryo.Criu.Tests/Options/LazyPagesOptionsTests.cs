namespace Cryo.Criu.Tests.Options;

public class LazyPagesOptionsTests
{
    [Fact]
    public void ToArguments_Should_ServeTheImagesWithAQuietLogInTheWorkDirectory_When_AWorkDirectoryIsGiven()
    {
        var options = new LazyPagesOptions { ImagesDirectory = "/store/img", WorkDirectory = "/run/restore-1" };

        var args = options.ToArguments();

        Assert.Equal(["lazy-pages", "-D", "/store/img", "-W", "/run/restore-1", "-o", "lazy-pages.log", "-v2"], args);
        Assert.Equal("/run/restore-1/lazy-pages.log", options.LogPath);
        Assert.Equal("/run/restore-1/lazy-pages.socket", options.SocketPath);
    }

    [Fact]
    public void ToArguments_Should_RenderEveryFlag_When_AllAreSet()
    {
        var options = new LazyPagesOptions
        {
            ImagesDirectory = "/img", WorkDirectory = "/work", LogFile = "/var/log/lp.log", LogLevel = 4, AdditionalArguments = ["--log-pid"],
        };

        Assert.Equal(["lazy-pages", "-D", "/img", "-W", "/work", "-o", "/var/log/lp.log", "-v4", "--log-pid"], options.ToArguments());
        Assert.Equal("/var/log/lp.log", options.LogPath);
    }

    [Theory]
    [InlineData("", 2)]
    [InlineData("/img", 5)]
    public void ToArguments_Should_Refuse_When_TheImagesOrLogLevelAreInvalid(string images, int level)
    {
        var options = new LazyPagesOptions { ImagesDirectory = images, LogLevel = level };

        Assert.ThrowsAny<ArgumentException>(() => options.ToArguments());
    }
}
