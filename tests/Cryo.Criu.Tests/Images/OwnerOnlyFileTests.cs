using System.Runtime.InteropServices;

namespace Cryo.Criu.Tests.Images;

/// <summary>New image files: owner only, and written past the page cache where asked.</summary>
public class OwnerOnlyFileTests
{
    private const int ODirect = 0x4000; // 040000 octal on x86-64

    [Fact]
    public void CreateDirect_Should_OpenTheFileForDirectWrites_When_TheFilesystemAllowsThem()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("pages-2.img");
        var page = PageCopier.AlignedBuffer(4096);
        page.Span.Fill(7);

        using (var file = OwnerOnlyFile.CreateDirect(path))
        {
            var flags = Convert.ToInt32(File.ReadAllLines($"/proc/self/fdinfo/{file.SafeFileHandle.DangerousGetHandle()}")
                .Single(line => line.StartsWith("flags:", StringComparison.Ordinal))["flags:".Length..].Trim(), 8);
            Assert.NotEqual(0, flags & ODirect);
            RandomAccess.Write(file.SafeFileHandle, page.Span, 0);
        }

        Assert.Equal(page.ToArray(), File.ReadAllBytes(path));
    }

    [Fact]
    public void AlignedBuffer_Should_StartOnAPageBoundary()
    {
        var buffer = PageCopier.AlignedBuffer(3 * 4096);

        Assert.True(MemoryMarshal.TryGetArray<byte>(buffer, out var segment));
        Assert.Equal(0L, (long)Marshal.UnsafeAddrOfPinnedArrayElement(segment.Array!, segment.Offset) % 4096);
        Assert.Equal(3 * 4096, buffer.Length);
    }
}
