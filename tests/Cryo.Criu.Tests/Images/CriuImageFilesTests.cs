namespace Cryo.Criu.Tests.Images;

public class CriuImageFilesTests
{
    [Theory]
    [InlineData("pages-1.img", true)]
    [InlineData("/store/x/images/pages-12.img", true)]
    [InlineData("pagemap-1.img", false)]
    [InlineData("pages-.img", false)]
    [InlineData("pages-1a.img", false)]
    [InlineData("pages-1.img.tmp", false)]
    public void IsPagesImage_Should_MatchOnlyNumberedPageImages(string name, bool expected)
    {
        Assert.Equal(expected, CriuImageFiles.IsPagesImage(name));
    }

    [Fact]
    public void Predicates_Should_TellImageKindsApart()
    {
        Assert.True(CriuImageFiles.IsPageMapImage("pagemap-42.img"));
        Assert.True(CriuImageFiles.IsCoreImage("core-42.img"));
        Assert.False(CriuImageFiles.IsCoreImage("pstree.img"));
        Assert.True(CriuImageFiles.IsImage(CriuImageFiles.Inventory));
        Assert.False(CriuImageFiles.IsImage(CriuImageFiles.DumpStats));
        Assert.True(CriuImageFiles.IsLogOrStats(CriuImageFiles.RestoreLog));
        Assert.True(CriuImageFiles.IsLogOrStats(CriuImageFiles.DumpStats));
        Assert.False(CriuImageFiles.IsLogOrStats("pages-1.img"));
    }

    [Fact]
    public void LooksComplete_Should_RequireInventoryTreeAndCore()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine(CriuImageFiles.Inventory), "x");
        File.WriteAllText(dir.Combine(CriuImageFiles.ProcessTree), "x");
        Assert.False(CriuImageFiles.LooksComplete(dir.Path));

        File.WriteAllText(dir.Combine("core-1.img"), "x");

        Assert.True(CriuImageFiles.LooksComplete(dir.Path));
    }
}
