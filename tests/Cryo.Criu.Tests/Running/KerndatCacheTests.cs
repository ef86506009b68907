using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Criu.Tests.Running;

/// <summary>CRIU's kernel-facts cache on this machine, whose /run is a plain directory (ext4), where CRIU never keeps it itself.</summary>
public class KerndatCacheTests
{
    private const string Stamp = KerndatCache.CacheFile + ".cryo";

    [Fact]
    public async Task EnsureOnceAsync_Should_LeaveACacheThatCriuLoads_When_NoneIsThere()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        File.Delete(KerndatCache.CacheFile);
        File.Delete(Stamp);

        await new KerndatCache(CriuForTests.ExecutablePath, NullLogger.Instance).EnsureOnceAsync();
        // On a host whose /run is a tmpfs the cache is CRIU's own, made by its first run: the second then loads it too.
        var log = dir.Combine("check.log");
        foreach (var _ in new[] { 1, 2 })
        {
            File.Delete(log);
            var outcome = await ProcessRunner.RunAsync([CriuForTests.ExecutablePath, "check", "-v4", "-o", log], CriuForTests.Deadline,
                NullLogger.Instance, timeout.Token);
            Assert.Equal(0, outcome.ExitCode);
        }

        Assert.Contains($"Loaded kdat cache from {KerndatCache.CacheFile}", await File.ReadAllTextAsync(log, timeout.Token));
    }

    [Fact]
    public async Task EnsureOnceAsync_Should_MakeTheCacheAgain_When_ItsStampIsOfAnotherBoot()
    {
        using var timeout = TestTimeout.Start();
        await new KerndatCache(CriuForTests.ExecutablePath, NullLogger.Instance).EnsureOnceAsync();
        if (!File.Exists(Stamp))
        {
            return; // /run is a tmpfs here: CRIU keeps its cache itself, and no stamp is made.
        }
        await File.WriteAllTextAsync(Stamp, "00000000-0000-0000-0000-000000000000 an older boot\n", timeout.Token);
        await File.WriteAllBytesAsync(KerndatCache.CacheFile, [1, 2, 3], timeout.Token);

        await new KerndatCache(CriuForTests.ExecutablePath, NullLogger.Instance).EnsureOnceAsync();

        var bootId = (await File.ReadAllTextAsync("/proc/sys/kernel/random/boot_id", timeout.Token)).Trim();
        Assert.StartsWith(bootId + " ", await File.ReadAllTextAsync(Stamp, timeout.Token));
        Assert.True(new FileInfo(KerndatCache.CacheFile).Length > 3, "the cache of the other boot was kept");
    }
}
