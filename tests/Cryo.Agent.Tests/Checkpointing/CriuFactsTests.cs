using Cryo.Agent.Checkpointing;
using Cryo.Criu;
using Cryo.Criu.Capabilities;

namespace Cryo.Agent.Tests.Checkpointing;

/// <summary>
/// What the agent asks CRIU once (its version, memory tracking, the CPU): an answer is kept once an ask succeeded,
/// and an ask that failed is not, so the next caller asks again.
/// </summary>
public sealed class CriuFactsTests
{
    [Fact]
    public async Task GetVersionAsync_Should_AskCriuOnce_When_TheFirstAskSucceeded()
    {
        var criu = new CountingCriu();
        var facts = new CriuFacts(criu);

        var first = await facts.GetVersionAsync(CancellationToken.None);
        var second = await facts.GetVersionAsync(CancellationToken.None);

        Assert.Equal(new CriuVersion(4, 2, 1), first);
        Assert.Same(first, second);
        Assert.Equal(1, criu.VersionAsks);
    }

    [Fact]
    public async Task HasMemoryTrackingAsync_Should_AskAgain_When_TheFirstAskFailed_And_KeepTheAnswerThen()
    {
        var criu = new CountingCriu { FailingCapabilityAsks = 1 };
        var facts = new CriuFacts(criu);

        await Assert.ThrowsAsync<InvalidOperationException>(() => facts.HasMemoryTrackingAsync(CancellationToken.None));
        var second = await facts.HasMemoryTrackingAsync(CancellationToken.None);
        var third = await facts.HasMemoryTrackingAsync(CancellationToken.None);

        Assert.True(second);
        Assert.True(third);
        Assert.Equal(2, criu.CapabilityAsks);
    }

    /// <summary>The fake CRIU, counting the asks and failing the first ones for capabilities when told to.</summary>
    private sealed class CountingCriu() : DelegatingCriu(new FakeCriu(new CriuVersion(4, 2, 1)))
    {
        public int VersionAsks { get; private set; }

        public int CapabilityAsks { get; private set; }

        public int FailingCapabilityAsks { get; init; }

        public override Task<CriuVersion> GetVersionAsync(CancellationToken cancellationToken)
        {
            VersionAsks++;
            return base.GetVersionAsync(cancellationToken);
        }

        public override Task<CriuCapabilities> DetectCapabilitiesAsync(CancellationToken cancellationToken)
        {
            CapabilityAsks++;
            return CapabilityAsks <= FailingCapabilityAsks
                ? Task.FromException<CriuCapabilities>(new InvalidOperationException("criu check failed"))
                : base.DetectCapabilitiesAsync(cancellationToken);
        }
    }
}
