using System.Runtime.Versioning;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class StoreNamesTests
{
    private const string Uid = "6f1c2a9e-0b7d-4c3e-9a51-2f0d8e7c1b44";

    public static TheoryData<string?> BadNamespaces => new()
    {
        null, "", "../x", "/etc", "a/b", "..", ".", "Default", "-a", "a-", "a.b", "a\0b", "a b", new string('a', 64),
    };

    public static TheoryData<string?> BadNames => new()
    {
        null, "", "../x", "/etc", "a/b", "..", ".", "a..b", ".a", "a.", "-a", "a-", "a.-b", "Upper", "a\0b", "a_b", "a\\b", new string('a', 254),
    };

    public static TheoryData<string?> BadUids => new()
    {
        null, "", "../x", "/etc", "a/b", "ABC", "a.b", "a\0b", new string('a', 65),
    };

    [Theory]
    [MemberData(nameof(BadNamespaces))]
    public void Key_Should_RejectNamespace_When_NotADns1123Label(string? value)
    {
        var error = Assert.Throws<InvalidCheckpointNameException>(() => new CheckpointKey(value!, "name", Uid));

        Assert.Equal("namespace", error.Field);
        Assert.Contains("DNS-1123 label", error.Message);
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public void Key_Should_RejectName_When_NotADns1123Subdomain(string? value)
    {
        var error = Assert.Throws<InvalidCheckpointNameException>(() => new CheckpointKey("default", value!, Uid));

        Assert.Equal("name", error.Field);
        Assert.Contains("DNS-1123 subdomain", error.Message);
    }

    [Theory]
    [MemberData(nameof(BadUids))]
    public void Key_Should_RejectUid_When_NotLowercaseAlphanumericOrDash(string? value)
    {
        var error = Assert.Throws<InvalidCheckpointNameException>(() => new CheckpointKey("default", "name", value!));

        Assert.Equal("uid", error.Field);
    }

    [Theory]
    [InlineData("a", "b", "c")]
    [InlineData("kube-system", "warm.jvm-1", Uid)]
    [InlineData("0", "0.0", "0")]
    public void Key_Should_Accept_When_PartsAreValid(string @namespace, string name, string uid)
    {
        var key = new CheckpointKey(@namespace, name, uid);

        Assert.Equal($"{name}-{uid}", key.DirectoryName);
    }

    [Fact]
    public void Key_Should_AcceptLongestName_When_DirectoryEntryFits()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 62), 4))[..(255 - 1 - Uid.Length)];

        var key = new CheckpointKey("default", name.TrimEnd('.'), Uid);

        Assert.True(key.DirectoryName.Length <= StoreNames.MaxDirectoryEntryLength);
    }

    [Fact]
    public void Key_Should_RejectName_When_NameAndUidExceedOneDirectoryEntry()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 62), 4)); // 251 chars: a valid name

        var error = Assert.Throws<InvalidCheckpointNameException>(() => new CheckpointKey("default", name, Uid));

        Assert.Equal("name", error.Field);
        Assert.Contains("255", error.Message);
    }

    [Fact]
    public void Exception_Should_EscapeControlCharacters_When_ShowingTheValue()
    {
        var error = Assert.Throws<InvalidCheckpointNameException>(() => StoreNames.ValidateName("a\0b"));

        Assert.Contains("a\\u0000b", error.Message);
        Assert.DoesNotContain("\0", error.Message);
    }
}
