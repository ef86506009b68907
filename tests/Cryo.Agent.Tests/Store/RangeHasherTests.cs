using System.Security.Cryptography;

namespace Cryo.Agent.Tests.Store;

public sealed class RangeHasherTests
{
    [Theory]
    [InlineData(null, 3 * 4096)]
    [InlineData(null, 1000)]
    [InlineData(DigestAlgorithms.Sha256OfPages, 600 * 4096)]
    [InlineData(DigestAlgorithms.Sha256OfPages, (5 * 4096) + 123)]
    [InlineData(DigestAlgorithms.Sha256OfPages, 100)]
    [InlineData(DigestAlgorithms.Sha256OfPages, 0)]
    public void Finish_Should_GiveTheRangesDigest_When_FedInUnevenPieces(string? algorithm, int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        using var hasher = RangeHasher.For(algorithm);

        // Pieces that start and end inside pages, and one of many whole pages at once.
        var random = new Random(1);
        for (var at = 0; at < length;)
        {
            var take = Math.Min(length - at, random.Next(2) == 0 ? random.Next(1, 5000) : 300 * 4096);
            hasher.Append(bytes.AsSpan(at, take));
            at += take;
        }

        Assert.Equal(StoreTestData.ExpectedDigest(bytes, algorithm), hasher.Finish());
    }

    [Fact]
    public void Finish_Should_StartTheNextRangeAfresh_When_CalledOrReset()
    {
        var first = new byte[(2 * 4096) + 10];
        var second = new byte[4096];
        new Random(3).NextBytes(first);
        new Random(4).NextBytes(second);
        using var hasher = RangeHasher.For(DigestAlgorithms.Sha256OfPages);

        hasher.Append(first);
        Assert.Equal(StoreTestData.ExpectedDigest(first, DigestAlgorithms.Sha256OfPages), hasher.Finish());
        hasher.Append(first.AsSpan(0, 5000));
        hasher.Reset();
        hasher.Append(second);

        Assert.Equal(StoreTestData.ExpectedDigest(second, DigestAlgorithms.Sha256OfPages), hasher.Finish());
    }

    [Fact]
    public void KeepPageDigests_Should_WriteTheSha256OfEachWholePage_When_HashingPages()
    {
        var bytes = new byte[(3 * 4096) + 7];
        new Random(5).NextBytes(bytes);
        var pages = new byte[PageDigests.SizeFor(bytes.Length)];
        using var hasher = RangeHasher.For(DigestAlgorithms.Sha256OfPages);

        hasher.KeepPageDigests(pages);
        hasher.Append(bytes.AsSpan(0, 5000));
        hasher.Append(bytes.AsSpan(5000));
        hasher.Finish();

        Assert.Equal(3 * 32, pages.Length);
        for (var page = 0; page < 3; page++)
        {
            Assert.Equal(SHA256.HashData(bytes.AsSpan(page * 4096, 4096)), pages.AsSpan(page * 32, 32).ToArray());
        }
    }

    [Fact]
    public void For_Should_Refuse_When_TheAlgorithmIsUnknown()
    {
        var error = Assert.Throws<ArgumentException>(() => RangeHasher.For("blake3"));

        Assert.Contains("blake3", error.Message);
    }
}
