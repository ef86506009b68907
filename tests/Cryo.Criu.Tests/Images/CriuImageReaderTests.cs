namespace Cryo.Criu.Tests.Images;

public class CriuImageReaderTests
{
    // What CRIU 4.2 writes for a pagemap of one 2-page present run at 0x1000 with pages-3.img:
    // magic words, then {pages_id: 3}, then {vaddr: 0x1000, compat_nr_pages: 0, flags: PE_PRESENT, nr_pages: 2}.
    private static readonly byte[] CriuPageMap =
    [
        0x19, 0x43, 0x56, 0x54, 0x25, 0x40, 0x08, 0x56,
        0x02, 0x00, 0x00, 0x00, 0x08, 0x03,
        0x09, 0x00, 0x00, 0x00, 0x08, 0x80, 0x20, 0x10, 0x00, 0x20, 0x04, 0x28, 0x02,
    ];

    [Fact]
    public void Read_Should_DecodeCriusOwnBytes_When_TheMagicMatches()
    {
        using var reader = new CriuImageReader(new MemoryStream(CriuPageMap), CriuImageKind.PageMap, "pagemap-1.img");

        var head = reader.ReadRequired(PagemapHead.Parser);
        var entry = reader.ReadRequired(PagemapEntry.Parser);
        var end = reader.Read(PagemapEntry.Parser);

        Assert.Equal(3u, head.PagesId);
        Assert.Equal(0x1000ul, entry.Vaddr);
        Assert.Equal(2ul, entry.NrPages);
        Assert.Equal(4u, entry.Flags);
        Assert.Null(end);
    }

    [Fact]
    public void Writer_Should_ReproduceCriusBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new CriuImageWriter(buffer, CriuImageKind.PageMap))
        {
            writer.Write(new PagemapHead { PagesId = 3 });
            writer.Write(new PagemapEntry { Vaddr = 0x1000, CompatNrPages = 0, Flags = 4, NrPages = 2 });
        }

        Assert.Equal(CriuPageMap, buffer.ToArray());
    }

    [Fact]
    public void Reader_Should_Refuse_When_TheMagicIsAnotherImages()
    {
        var inventory = new byte[] { 0x16, 0x31, 0x31, 0x58 };

        var error = Assert.Throws<CriuImageFormatException>(() =>
            new CriuImageReader(new MemoryStream(inventory), CriuImageKind.PageMap, "inventory.img"));

        Assert.Contains("inventory.img", error.Message);
        Assert.Equal("inventory.img", error.ImagePath);
    }

    [Fact]
    public void Reader_Should_ReadTheInventoryWithItsSingleMagicWord()
    {
        var inventory = new byte[] { 0x16, 0x31, 0x31, 0x58, 0x02, 0x00, 0x00, 0x00, 0x08, 0x02 };

        using var reader = new CriuImageReader(new MemoryStream(inventory), CriuImageKind.Inventory, "inventory.img");

        // Any message with a varint field 1 decodes it (img_version, 2): the point is the single magic word before it.
        Assert.Equal(2u, reader.ReadRequired(PagemapHead.Parser).PagesId);
    }

    [Theory]
    [InlineData(10)] // inside the first length
    [InlineData(13)] // inside the head message
    public void Read_Should_Throw_When_TheFileEndsInsideAMessage(int length)
    {
        using var reader = new CriuImageReader(new MemoryStream(CriuPageMap[..length]), CriuImageKind.PageMap, "cut.img");

        Assert.Throws<CriuImageFormatException>(() => reader.Read(PagemapHead.Parser));
    }

    [Fact]
    public void Read_Should_Throw_When_ALengthIsAbsurd()
    {
        byte[] bytes = [.. CriuPageMap[..8], 0xff, 0xff, 0xff, 0x7f];
        using var reader = new CriuImageReader(new MemoryStream(bytes), CriuImageKind.PageMap, "bad.img");

        Assert.Throws<CriuImageFormatException>(() => reader.Read(PagemapHead.Parser));
    }
}
