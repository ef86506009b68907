using System.Runtime.Versioning;
using Cryo.Agent.Store.Hashing;
using Xunit;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class LocalFileMappingTests : IDisposable
{
    private readonly TempDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void TryMap_Should_GiveTheRangesBytes_When_ACachedFileIsOnALocalFileSystem()
    {
        var path = Path.Combine(scratch.Path, "pages-1.img");
        StoreTestData.WriteRandomFile(path, (3 * 4096) + 100, seed: 9);
        using var handle = File.OpenHandle(path);

        using var mapping = LocalFileMapping.TryMap(new FileRange(handle, 4096 + 10, 5000));

        Assert.NotNull(mapping);
        Assert.Equal(File.ReadAllBytes(path).AsSpan(4096 + 10, 5000).ToArray(), mapping.Span.ToArray());
    }

    [Fact]
    public void TryMap_Should_Refuse_When_TheRangeEndsPastTheEndOfFile()
    {
        // A mapped page past the end of file raises SIGBUS when touched.
        var path = Path.Combine(scratch.Path, "pages-1.img");
        StoreTestData.WriteRandomFile(path, 4096, seed: 9);
        using var handle = File.OpenHandle(path);

        Assert.Null(LocalFileMapping.TryMap(new FileRange(handle, 0, 8192)));
    }

    [Fact]
    public void TryMap_Should_Refuse_When_TheFileSystemIsNotAKnownLocalOne()
    {
        // procfs stands in for a network file system: not on the list of file systems only this node changes.
        using var handle = File.OpenHandle("/proc/self/status");

        Assert.Null(LocalFileMapping.TryMap(new FileRange(handle, 0, 16)));
    }
}
