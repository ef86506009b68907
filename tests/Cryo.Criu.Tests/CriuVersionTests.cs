using Cryo.Criu;

namespace Cryo.Criu.Tests;

public class CriuVersionTests
{
    [Theory]
    [InlineData("Version: 4.2.1\n", 4, 2, 1)]
    [InlineData("Version: 3.17\nGitID: v3.17\n", 3, 17, 0)]
    [InlineData("4.1.1", 4, 1, 1)]
    public void Parse_Should_ReadTheVersionLine(string text, int major, int minor, int patch)
    {
        var version = CriuVersion.Parse(text);

        Assert.Equal(new CriuVersion(major, minor, patch), version);
    }

    [Fact]
    public void Minimum_Should_RejectDebian13sCriu_When_Compared()
    {
        Assert.True(CriuVersion.Parse("4.1.1") < CriuVersion.Minimum);
        Assert.True(CriuVersion.Parse("4.2.1") >= CriuVersion.Minimum);
    }

    [Fact]
    public void Parse_Should_Throw_When_TextIsNotAVersion()
    {
        Assert.Throws<FormatException>(() => CriuVersion.Parse("criu: command not found"));
    }
}
