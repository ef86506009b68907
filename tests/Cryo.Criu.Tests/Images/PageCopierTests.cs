using Microsoft.Win32.SafeHandles;

namespace Cryo.Criu.Tests.Images;

/// <summary>The gathered copy of chosen pages, with a buffer of a few pages so that its edges are crossed.</summary>
public class PageCopierTests
{
    private const int Page = 4096;

    [Theory]
    [InlineData(new long[] { 0, 1, 2, 3 })]                       // one stretch that fills the buffer exactly
    [InlineData(new long[] { 1, 2, 3, 4, 5, 6, 7, 8 })]           // a stretch longer than the buffer
    [InlineData(new long[] { 0, 2, 3, 5, 6, 7, 9 })]              // stretches that cross the buffer's edge
    [InlineData(new long[] { 3, 11 })]                            // single pages, the last page of the file among them
    [InlineData(new long[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 })] // every page
    public void Copy_Should_WriteTheChosenPagesBackToBack_When_TheyCrossTheBuffersEdges(long[] pages)
    {
        using var dir = new TempDirectory();
        var source = WriteSource(dir.Combine("pages-1.img"), 12);

        var copied = CopyToNewFile(dir, source, pages, bufferPages: 4, targetOffset: 0);

        Assert.Equal(pages.SelectMany(p => PageOf(p)).ToArray(), copied);
    }

    [Fact]
    public void CopySplit_Should_WriteTheSameFileAsOneCopy_When_ThePagesAreSharedAmongSeveralCopies()
    {
        using var dir = new TempDirectory();
        var count = 3 * PageCopier.MinPagesPerPart + 600;
        var source = WriteSource(dir.Combine("pages-1.img"), count);
        // Most pages, some skipped, so that the shares' edges fall inside and between stretches; the last page among them.
        var pages = Enumerable.Range(0, count).Where(p => p % 7 != 3).Select(p => (long)p).ToArray();
        var target = dir.Combine("pages-2.img");

        using (SafeFileHandle from = File.OpenHandle(source), to = File.OpenHandle(target, FileMode.CreateNew, FileAccess.Write))
        {
            PageCopier.CopySplit(from, source, pages, to, parts: 3, CancellationToken.None);
        }

        Assert.Equal(pages.SelectMany(p => PageOf(p)).ToArray(), File.ReadAllBytes(target));
    }

    [Fact]
    public void CopySplit_Should_ThrowTheSourcesError_When_AShareFails()
    {
        using var dir = new TempDirectory();
        var source = WriteSource(dir.Combine("pages-1.img"), 2 * PageCopier.MinPagesPerPart);
        // The second share asks for pages past the end of the source.
        var pages = Enumerable.Range(0, 2 * PageCopier.MinPagesPerPart).Select(p => (long)p * 2).ToArray();

        Assert.Throws<CriuImageFormatException>(() =>
        {
            using SafeFileHandle from = File.OpenHandle(source), to = File.OpenHandle(dir.Combine("pages-2.img"), FileMode.CreateNew, FileAccess.Write);
            PageCopier.CopySplit(from, source, pages, to, parts: 2, CancellationToken.None);
        });
    }

    [Fact]
    public void Copy_Should_StartAtTheTargetOffset_And_LeaveWhatIsBeforeIt()
    {
        using var dir = new TempDirectory();
        var source = WriteSource(dir.Combine("pages-1.img"), 6);
        var target = dir.Combine("pages-2.img");
        File.WriteAllBytes(target, PageOf(100));

        using (var from = File.OpenHandle(source))
        using (var to = File.OpenHandle(target, FileMode.Open, FileAccess.Write))
        {
            PageCopier.Copy(from, source, [1, 2, 5], to, Page, new byte[2 * Page], CancellationToken.None);
        }

        Assert.Equal([.. PageOf(100), .. PageOf(1), .. PageOf(2), .. PageOf(5)], File.ReadAllBytes(target));
    }

    [Fact]
    public void Copy_Should_Throw_When_TheSourceEndsBeforeAChosenPage()
    {
        using var dir = new TempDirectory();
        var source = WriteSource(dir.Combine("pages-1.img"), 3);

        var error = Assert.Throws<CriuImageFormatException>(() => CopyToNewFile(dir, source, [1, 3], bufferPages: 4, targetOffset: 0));

        Assert.Contains("pages-1.img", error.Message);
    }

    [Fact]
    public void Copy_Should_Refuse_When_TheBufferIsNotWholePages()
    {
        using var dir = new TempDirectory();
        var source = WriteSource(dir.Combine("pages-1.img"), 2);

        Assert.Throws<ArgumentException>(() =>
        {
            using var from = File.OpenHandle(source);
            using var to = File.OpenHandle(dir.Combine("out"), FileMode.CreateNew, FileAccess.Write);
            PageCopier.Copy(from, source, [0], to, 0, new byte[Page + 1], CancellationToken.None);
        });
    }

    private static byte[] CopyToNewFile(TempDirectory dir, string source, long[] pages, int bufferPages, long targetOffset)
    {
        var target = dir.Combine("pages-2.img");
        using (SafeFileHandle from = File.OpenHandle(source), to = File.OpenHandle(target, FileMode.Create, FileAccess.Write))
        {
            PageCopier.Copy(from, source, pages, to, targetOffset, new byte[bufferPages * Page], CancellationToken.None);
        }
        return File.ReadAllBytes(target);
    }

    private static string WriteSource(string path, int pages)
    {
        File.WriteAllBytes(path, [.. Enumerable.Range(0, pages).SelectMany(p => PageOf(p))]);
        return path;
    }

    // A page whose every 8 bytes say which page it is, so a page copied from the wrong place shows.
    private static byte[] PageOf(long number)
    {
        var page = new byte[Page];
        for (var i = 0; i < Page; i += 8)
        {
            BitConverter.TryWriteBytes(page.AsSpan(i), number * Page + i);
        }
        return page;
    }
}
