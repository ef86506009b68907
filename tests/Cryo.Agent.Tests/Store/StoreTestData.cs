using System.Runtime.Versioning;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Tests.Store;

/// <summary>Fake CRIU output and manifests for store tests.</summary>
[SupportedOSPlatform("linux")]
internal static class StoreTestData
{
    public const UnixFileMode WorldReadableFile =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static CheckpointKey Key(string name = "warm-jvm", string uid = "6f1c2a9e-0b7d-4c3e-9a51-2f0d8e7c1b44") =>
        new("default", name, uid);

    public static CheckpointManifest Manifest(CheckpointKey key) => new()
    {
        Key = key,
        CreatedAt = new DateTimeOffset(2026, 11, 26, 20, 0, 0, TimeSpan.Zero),
        ProcessCount = 2,
    };

    /// <summary>
    /// Writes what CRIU and the engine would leave: a page image, a small image, a log; world-readable
    /// like a writer with umask 022, so tests can see the store tighten the modes.
    /// </summary>
    public static void WriteFakeDump(PendingCheckpoint pending, int pagesBytes = 3 * 1024 * 1024 + 123)
    {
        WriteRandomFile(Path.Combine(pending.ImagesDirectory, "pages-1.img"), pagesBytes, seed: 1);
        WriteRandomFile(Path.Combine(pending.ImagesDirectory, "pages-2.img"), 8192, seed: 2);
        WriteRandomFile(Path.Combine(pending.ImagesDirectory, "inventory.img"), 42, seed: 3);
        WriteRandomFile(Path.Combine(pending.LogsDirectory, "dump.log"), 1000, seed: 4);
    }

    public static void WriteRandomFile(string path, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        File.SetUnixFileMode(path, WorldReadableFile);
    }

    public static async Task<StoredCheckpoint> CommitFakeAsync(ImageStore store, CheckpointKey key, int pagesBytes = 3 * 1024 * 1024 + 123)
    {
        using var pending = store.Begin(key);
        WriteFakeDump(pending, pagesBytes);
        return await store.CommitAsync(pending, Manifest(key), CancellationToken.None);
    }
}
