using Cryo.Agent.Recovery;

namespace Cryo.Agent.Tests.Recovery;

/// <summary>How a CRIU still dumping into an interrupted dump's directory is recognised by its command line.</summary>
public sealed class OrphanedCriuTests
{
    [Theory]
    [InlineData("/opt/cryo/criu/bin/criu dump -t 42 -D /store/.tmp/n/d.x/images -o dump.log", true)]
    [InlineData("nsenter -t 42 --net --uts --ipc -- /opt/cryo/criu/bin/criu dump -t 42 -D /store/.tmp/n/d.x/images", true)]
    [InlineData("criu dump -t 42 --images-dir=/store/.tmp/n/d.x/images", true)]
    [InlineData("criu dump -t 42 -D/store/.tmp/n/d.x", true)]
    [InlineData("criu dump -t 42 -D /store/.tmp/n/d.xy/images", false)]
    [InlineData("criu restore -D /store/.tmp/n/d.x/images", false)]
    [InlineData("criu dump -t 42 -D images", false)]
    [InlineData("rm -D /store/.tmp/n/d.x/images", false)]
    public void DumpsInto_Should_MatchOnlyADumpWritingInsideTheDirectory(string commandLine, bool expected)
    {
        Assert.Equal(expected, OrphanedCriu.DumpsInto(commandLine.Split(' '), "/store/.tmp/n/d.x"));
    }
}
