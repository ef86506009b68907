using System.Diagnostics;
using System.Globalization;
using Cryo.Agent.Checkpointing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Agent.Tests.Checkpointing;

/// <summary>
/// The parent's pages images leave the page cache before a stopped increment's dump, as the kernel shows it
/// (<c>fincore</c>: pages of a file resident in the page cache); its other images stay.
/// </summary>
public sealed class ParentPageCacheTests : IDisposable
{
    private const int PagesBytes = 8 << 20;
    private readonly TempDirectory directory = new("cryo-parent-cache-");

    public void Dispose() => directory.Dispose();

    [Fact]
    public void Release_Should_DropTheCachedPagesOfTheParentsPagesImagesAndItsFlatCopy_When_TheyAreClean()
    {
        // Arrange: a parent with a pages image, a pagemap and a flat copy's pages image, written, synced and read back.
        var parent = new StoredCheckpoint(new CheckpointKey("default", "live", "0b9e6c1d-3f2a-4c55-9d7e-1a2b3c4d5e6f"), directory.Path);
        var pages = Write(Path.Combine(parent.ImagesDirectory, "pages-1.img"), PagesBytes);
        var pagemap = Write(Path.Combine(parent.ImagesDirectory, "pagemap-1.img"), 4096);
        var flatPages = Write(Path.Combine(parent.FlatCopyDirectory, "pages-1.img"), PagesBytes);
        var cachedBefore = new[] { pages, pagemap, flatPages }.Select(CachedBytes).ToList();

        // Act
        var released = ParentPageCache.Release(parent, NullLogger.Instance);

        // Assert: both pages images gone from the cache, the pagemap still in it.
        Assert.Equal([PagesBytes, 4096, PagesBytes], cachedBefore);
        Assert.Equal(2, released);
        Assert.Equal(0, CachedBytes(pages));
        Assert.Equal(0, CachedBytes(flatPages));
        Assert.Equal(4096, CachedBytes(pagemap));
    }

    private static string Write(string path, int bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var content = new byte[bytes];
        Random.Shared.NextBytes(content);
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.Write(content);
            // Clean pages: dirty ones would only be queued for writeback.
            stream.Flush(flushToDisk: true);
        }
        _ = File.ReadAllBytes(path);
        return path;
    }

    // What the kernel holds of the file in the page cache, in bytes.
    private static long CachedBytes(string path)
    {
        using var fincore = Process.Start(new ProcessStartInfo("fincore", ["--bytes", "--noheadings", "--output", "RES", path]) { RedirectStandardOutput = true })!;
        var output = fincore.StandardOutput.ReadToEnd().Trim();
        fincore.WaitForExit();
        Assert.Equal(0, fincore.ExitCode);
        return long.Parse(output, CultureInfo.InvariantCulture);
    }
}
