using System.Security.Cryptography;

namespace Cryo.Agent.Tests.Store;

public sealed class InterleavedSha256Tests
{
    [Fact]
    public void IsAvailable_Should_FollowTheCpu_When_TheBuildShippedTheLibrary()
    {
        // The agent's build compiles libcryo-sha256.so (hack/install-deps.sh installs gcc): on a CPU with the
        // SHA extensions it must be in use, or every checkpoint pays twice the hashing CPU without saying so.
        var cpuHasSha = File.ReadLines("/proc/cpuinfo").Any(line => line.StartsWith("flags", StringComparison.Ordinal) && line.Split(' ').Contains("sha_ni"));

        Assert.Equal(cpuHasSha, InterleavedSha256.IsAvailable);
        Assert.Contains(cpuHasSha ? "two chunks or four pages per core" : "OpenSSL", InterleavedSha256.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)] // the longest tail that pads into one block
    [InlineData(56)] // the shortest that needs two
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(119)]
    [InlineData(120)]
    [InlineData(4096 + 13)]
    [InlineData((1024 * 1024) + 7)]
    public void Hash_Should_EqualSha256OfEachRange_When_BothAreEquallyLong(int length)
    {
        if (!InterleavedSha256.IsAvailable)
        {
            Assert.Throws<InvalidOperationException>(() => InterleavedSha256.Hash(new byte[length], new byte[length], new byte[32], new byte[32]));
            return;
        }

        var first = new byte[length];
        var second = new byte[length];
        new Random(length).NextBytes(first);
        new Random(length + 1).NextBytes(second);
        var firstDigest = new byte[32];
        var secondDigest = new byte[32];

        InterleavedSha256.Hash(first, second, firstDigest, secondDigest);

        Assert.Equal(SHA256.HashData(first), firstDigest);
        Assert.Equal(SHA256.HashData(second), secondDigest);
    }

    [Fact]
    public void Hash_Should_Refuse_When_RangesDifferInLengthOrTheLibraryIsMissing()
    {
        var refusal = Record.Exception(() => InterleavedSha256.Hash(new byte[64], new byte[65], new byte[32], new byte[32]));

        Assert.True(InterleavedSha256.IsAvailable ? refusal is ArgumentOutOfRangeException : refusal is InvalidOperationException, refusal?.ToString());
    }

    [Theory]
    [InlineData(0, 4096)]
    [InlineData(1, 4096)]
    [InlineData(2, 4096)]
    [InlineData(3, 4096)]
    [InlineData(4, 4096)]
    [InlineData(7, 4096)] // four, two and one lanes in one call
    [InlineData(256, 4096)] // a megabyte of pages, as a pages image is read
    [InlineData(5, 64)] // one data block and the padding block
    [InlineData(6, 0x2000)]
    [InlineData(5, 197)] // not whole blocks: each message pads its own tail
    [InlineData(3, 55)]
    public void HashMany_Should_EqualSha256OfEachMessage_When_MessagesLieEndToEnd(int count, int messageLength)
    {
        var messages = new byte[count * messageLength];
        new Random(count * messageLength).NextBytes(messages);
        var digests = new byte[(count * 32) + 32];
        if (!InterleavedSha256.IsAvailable)
        {
            Assert.Throws<InvalidOperationException>(() => InterleavedSha256.HashMany(messages, messageLength, digests));
            return;
        }

        InterleavedSha256.HashMany(messages, messageLength, digests);

        for (var i = 0; i < count; i++)
        {
            Assert.Equal(SHA256.HashData(messages.AsSpan(i * messageLength, messageLength)), digests.AsSpan(i * 32, 32).ToArray());
        }

        Assert.Equal(new byte[32], digests.AsSpan(count * 32).ToArray()); // nothing written past the last digest
    }

    [Fact]
    public void HashMany_Should_Refuse_When_TheBytesAreNotWholeMessagesOrTheDigestsDoNotFit()
    {
        if (!InterleavedSha256.IsAvailable)
        {
            return;
        }

        Assert.Throws<ArgumentException>(() => InterleavedSha256.HashMany(new byte[4097], 4096, new byte[64]));
        Assert.Throws<ArgumentOutOfRangeException>(() => InterleavedSha256.HashMany(new byte[3 * 4096], 4096, new byte[64]));
        Assert.Throws<ArgumentOutOfRangeException>(() => InterleavedSha256.HashMany(new byte[4096], 0, new byte[64]));
    }
}
