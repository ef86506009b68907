using System.Runtime.Versioning;
using System.Security.Cryptography;

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

    /// <summary>Commits a fake dump; its pages images listed by <paramref name="pagesDigest"/> (null: plain SHA-256, as the commit hashes them).</summary>
    public static async Task<StoredCheckpoint> CommitFakeAsync(ImageStore store, CheckpointKey key, int pagesBytes = 3 * 1024 * 1024 + 123, string? pagesDigest = null)
    {
        using var pending = store.Begin(key);
        WriteFakeDump(pending, pagesBytes);
        var manifest = Manifest(key);
        if (pagesDigest is not null)
        {
            foreach (var name in new[] { "pages-1.img", "pages-2.img" })
            {
                manifest.Files.Add(await ChunkedSha256.ComputeAsync(Path.Combine(pending.ImagesDirectory, name), $"images/{name}",
                    ChunkedSha256.DefaultChunkSize, parallelism: 2, CancellationToken.None, pagesDigest));
            }
        }

        return await store.CommitAsync(pending, manifest, CancellationToken.None);
    }

    /// <summary>
    /// What a range's digest must be, computed here independently of the agent's hashing: SHA-256 of the bytes, or for
    /// <see cref="DigestAlgorithms.Sha256OfPages"/> SHA-256 over the SHA-256 of each 4096-byte page (the last one as long as it is).
    /// </summary>
    public static string ExpectedDigest(ReadOnlySpan<byte> bytes, string? algorithm)
    {
        if (algorithm != DigestAlgorithms.Sha256OfPages)
        {
            return Convert.ToHexStringLower(SHA256.HashData(bytes));
        }

        using var pages = new MemoryStream();
        for (var at = 0; at < bytes.Length; at += 4096)
        {
            pages.Write(SHA256.HashData(bytes[at..Math.Min(at + 4096, bytes.Length)]));
        }

        return Convert.ToHexStringLower(SHA256.HashData(pages.ToArray()));
    }
}
