using System.Runtime.Versioning;
using System.Security.Cryptography;
using Cryo.Agent.Store;
using Xunit;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class ChunkedSha256Tests : IDisposable
{
    private const int ReadSize = 1024 * 1024;

    private readonly TemporaryDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(ReadSize)]
    [InlineData((2 * ReadSize) + 17)]
    public async Task ComputeAsync_Should_EqualOneShotSha256_When_FileSpansReads(int length)
    {
        var path = Path.Combine(scratch.Path, "f");
        StoreTestData.WriteRandomFile(path, length, seed: length);

        var entry = await ChunkedSha256.ComputeAsync(path, "f", ChunkedSha256.DefaultChunkSize, parallelism: 2, CancellationToken.None);

        Assert.Equal(length, entry.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))), entry.Sha256);
    }

    [Fact]
    public async Task ComputeAsync_Should_MatchKnownVector_When_InputIsAbc()
    {
        var path = Path.Combine(scratch.Path, "abc");
        await File.WriteAllTextAsync(path, "abc");

        var entry = await ChunkedSha256.ComputeAsync(path, "abc", 4096, parallelism: 1, CancellationToken.None);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", entry.Sha256);
    }
}
