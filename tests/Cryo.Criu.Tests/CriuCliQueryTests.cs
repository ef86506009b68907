using Cryo.Criu.Capabilities;

namespace Cryo.Criu.Tests;

/// <summary><c>criu --version</c> and <c>criu check</c> against the installed CRIU on this kernel.</summary>
public class CriuCliQueryTests
{
    [Fact]
    public async Task GetVersionAsync_Should_ReportAtLeastTheMinimum_When_TheProjectsCriuIsInstalled()
    {
        using var timeout = TestTimeout.Start();
        var criu = CriuForTests.Create();

        var version = await criu.GetVersionAsync(timeout.Token);

        Assert.True(version >= CriuVersion.Minimum, $"CRIU {version} at {criu.ExecutablePath} is older than {CriuVersion.Minimum}");
    }

    [Fact]
    public async Task DetectCapabilitiesAsync_Should_ExplainMissingDirtyTracking_When_TheKernelLacksSoftDirty()
    {
        using var timeout = TestTimeout.Start();
        var criu = CriuForTests.Create();

        var capabilities = await criu.DetectCapabilitiesAsync(timeout.Token);

        Assert.True(capabilities.BasicCheckPassed, capabilities.BasicCheckOutput);
        Assert.True(capabilities.MeetsMinimumVersion);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), capabilities.KernelRelease);
        Assert.False(capabilities.MemoryDirtyTracking);
        Assert.Contains("CONFIG_MEM_SOFT_DIRTY", capabilities.WhyMissing(CriuFeature.MemDirtyTrack));
        Assert.Contains("Dirty tracking is OFF", capabilities.WhyMissing(CriuFeature.MemDirtyTrack));
        Assert.True(capabilities.PidfdStore, capabilities.WhyMissing(CriuFeature.PidfdStore));
        Assert.True(capabilities.NetworkLockNftables, capabilities.WhyMissing(CriuFeature.NetworkLockNftables));
        Assert.True(capabilities.LazyPages, capabilities.WhyMissing(CriuFeature.UffdNonCooperative));
        Assert.True(capabilities.TimeNamespace, capabilities.WhyMissing(CriuFeature.TimeNamespace));
        Assert.Equal(CriuFeatureInfo.All.Count, capabilities.Features.Count);
    }

    [Fact]
    public async Task GetVersionAsync_Should_ThrowCriuException_When_TheExecutableIsMissing()
    {
        using var timeout = TestTimeout.Start();
        using var dir = new TempDirectory();
        var criu = new CriuCli(dir.Combine("no-criu-here"));

        var error = await Assert.ThrowsAsync<CriuException>(() => criu.GetVersionAsync(timeout.Token));

        Assert.Equal("version", error.Operation);
        Assert.Contains("no-criu-here", error.Message);
    }
}
