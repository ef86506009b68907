using System.Runtime.Versioning;

namespace Cryo.Agent.Tests.Store;

/// <summary>
/// The names of the store's temporary directories: named for the checkpoint so a person reading <c>.tmp</c> knows it,
/// ending in what marks their purpose, and never longer than one directory entry may be, however long the key.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class StorePathsTests
{
    private const string Uid = "6f1c2a9e-0b7d-4c3e-9a51-2f0d8e7c1b44";

    private readonly StorePaths paths = new("/var/lib/cryo/store", "node-a");

    public static TheoryData<string> Names => new()
    {
        "warm-jvm",
        // As long as a name may be beside the UID (StoreNamesTests.Key_Should_AcceptLongestName_When_DirectoryEntryFits).
        string.Join('.', Enumerable.Repeat(new string('a', 62), 4))[..(255 - 1 - Uid.Length)].TrimEnd('.'),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void PullTemporary_Should_EndInThePullSuffix_And_BeTheSameEachTime(string name)
    {
        var key = new CheckpointKey(new string('n', 63), name, Uid);

        var path = paths.PullTemporary(key);

        AssertTemporaryOf(key, StorePaths.PullSuffix, path);
        Assert.Equal(path, paths.PullTemporary(key));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void NewTemporary_Should_EndInTheSuffix_And_DifferEachTime(string name)
    {
        var key = new CheckpointKey(new string('n', 63), name, Uid);

        var path = paths.NewTemporary(key, ".flat");

        AssertTemporaryOf(key, ".flat", path);
        Assert.NotEqual(path, paths.NewTemporary(key, ".flat"));
    }

    private void AssertTemporaryOf(CheckpointKey key, string suffix, string path)
    {
        Assert.Equal(paths.OwnTemporary, Path.GetDirectoryName(path));
        var entry = Path.GetFileName(path);
        Assert.StartsWith($"{key.Namespace}.", entry, StringComparison.Ordinal);
        Assert.EndsWith(suffix, entry, StringComparison.Ordinal);
        Assert.InRange(entry.Length, suffix.Length + 1, StoreNames.MaxDirectoryEntryLength);
    }
}
