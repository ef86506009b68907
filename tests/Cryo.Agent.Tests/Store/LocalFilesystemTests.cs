using System.Runtime.Versioning;
using Cryo.Agent.Store.Hashing;
using Xunit;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class LocalFilesystemTests
{
    [Theory]
    [InlineData("/dev/shm")] // tmpfs
    [InlineData("/var/tmp")] // the root file system: ext4 on the machines the tests run on
    public void Holds_Should_BeTrue_When_TheFileIsOnALocalFilesystem(string directory)
    {
        var path = Path.Combine(directory, $"cryo-local-{Guid.NewGuid():N}");
        File.WriteAllText(path, "x");
        try
        {
            using var handle = File.OpenHandle(path);

            Assert.True(LocalFilesystem.Holds(handle));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("/proc/self/status")] // procfs: a type the list does not know is read, never mapped
    [InlineData("/sys/kernel/mm/transparent_hugepage/enabled")] // sysfs
    public void Holds_Should_BeFalse_When_TheFilesystemIsNotKnownToBeLocal(string path)
    {
        using var handle = File.OpenHandle(path);

        Assert.False(LocalFilesystem.Holds(handle));
    }
}
