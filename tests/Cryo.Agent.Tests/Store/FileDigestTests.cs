using System.Runtime.Versioning;
using System.Security.Cryptography;
using Cryo.Agent.Store;
using Xunit;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class FileDigestTests : IDisposable
{
    private readonly TemporaryDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(FileDigest.DefaultBufferSize)]
    [InlineData((2 * FileDigest.DefaultBufferSize) + 17)]
    public async Task ComputeAsync_Should_EqualOneShotSha256_When_FileSpansBuffers(int length)
    {
        var path = Path.Combine(scratch.Path, "f");
        StoreTestData.WriteRandomFile(path, length, seed: length);

        var digest = await FileDigest.ComputeAsync(path, CancellationToken.None);

        Assert.Equal(length, digest.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))), digest.Sha256);
    }

    [Fact]
    public async Task ComputeAsync_Should_MatchKnownVector_When_InputIsAbc()
    {
        var path = Path.Combine(scratch.Path, "abc");
        await File.WriteAllTextAsync(path, "abc");

        var digest = await FileDigest.ComputeAsync(path, CancellationToken.None, bufferSize: 4096);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", digest.Sha256);
    }
}
