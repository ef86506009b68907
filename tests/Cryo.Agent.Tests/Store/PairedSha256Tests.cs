using System.Security.Cryptography;
using Cryo.Agent.Store.Hashing;
using Xunit;

namespace Cryo.Agent.Tests.Store;

public sealed class PairedSha256Tests
{
    [Fact]
    public void IsAvailable_Should_FollowTheCpu_When_TheBuildShippedTheLibrary()
    {
        // The agent's build compiles libcryo-sha256.so (hack/install-deps.sh installs gcc): on a CPU with the
        // SHA extensions it must be in use, or every checkpoint pays twice the hashing CPU without saying so.
        var cpuHasSha = File.ReadLines("/proc/cpuinfo").Any(line => line.StartsWith("flags", StringComparison.Ordinal) && line.Split(' ').Contains("sha_ni"));

        Assert.Equal(cpuHasSha, PairedSha256.IsAvailable);
        Assert.Contains(cpuHasSha ? "two chunks per core" : "OpenSSL", PairedSha256.Description, StringComparison.Ordinal);
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
        if (!PairedSha256.IsAvailable)
        {
            Assert.Throws<InvalidOperationException>(() => PairedSha256.Hash(new byte[length], new byte[length], new byte[32], new byte[32]));
            return;
        }

        var first = new byte[length];
        var second = new byte[length];
        new Random(length).NextBytes(first);
        new Random(length + 1).NextBytes(second);
        var firstDigest = new byte[32];
        var secondDigest = new byte[32];

        PairedSha256.Hash(first, second, firstDigest, secondDigest);

        Assert.Equal(SHA256.HashData(first), firstDigest);
        Assert.Equal(SHA256.HashData(second), secondDigest);
    }

    [Fact]
    public void Hash_Should_Refuse_When_RangesDifferInLengthOrTheLibraryIsMissing()
    {
        var refusal = Record.Exception(() => PairedSha256.Hash(new byte[64], new byte[65], new byte[32], new byte[32]));

        Assert.True(PairedSha256.IsAvailable ? refusal is ArgumentOutOfRangeException : refusal is InvalidOperationException, refusal?.ToString());
    }
}
