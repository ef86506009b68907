using Cryo.Criu.Capabilities;

namespace Cryo.Criu.Tests.Capabilities;

public class CriuCapabilitiesTests
{
    [Fact]
    public void WhyMissing_Should_NameTheConsequenceAndCriusWords_When_AFeatureFailed()
    {
        var capabilities = new CriuCapabilities(new CriuVersion(4, 2, 1), "6.18.0", true, "Looks good.",
        [
            new CriuFeatureCheck(CriuFeature.MemDirtyTrack, false, "Warn  (criu/cr-check.c:824): Dirty tracking is OFF.\n"),
            new CriuFeatureCheck(CriuFeature.PidfdStore, true, "pidfd_store is supported"),
        ]);

        Assert.Equal(
            "kernel lacks CONFIG_MEM_SOFT_DIRTY: incremental (pre-dump/track-mem) checkpoints are unavailable "
            + "(criu check --feature mem_dirty_track: Warn  (criu/cr-check.c:824): Dirty tracking is OFF.)",
            capabilities.WhyMissing(CriuFeature.MemDirtyTrack));
        Assert.Null(capabilities.WhyMissing(CriuFeature.PidfdStore));
        Assert.True(capabilities.PidfdStore);
        Assert.False(capabilities.MemoryDirtyTracking);
    }

    [Fact]
    public void WhyMissing_Should_SaySo_When_AFeatureWasNotChecked()
    {
        var capabilities = new CriuCapabilities(new CriuVersion(4, 2, 1), "6.18.0", true, "Looks good.", []);

        Assert.False(capabilities.TimeNamespace);
        Assert.EndsWith("(not checked)", capabilities.WhyMissing(CriuFeature.TimeNamespace));
    }

    [Fact]
    public void CriuName_Should_BeDefined_When_AskedForEveryFeature()
    {
        Assert.All(CriuFeatureInfo.All, f => Assert.False(string.IsNullOrEmpty(CriuFeatureInfo.CriuName(f))));
        Assert.All(CriuFeatureInfo.All, f => Assert.False(string.IsNullOrEmpty(CriuFeatureInfo.ConsequenceWhenMissing(f))));
    }
}
