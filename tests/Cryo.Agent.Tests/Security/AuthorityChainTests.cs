using System.Security.Cryptography.X509Certificates;
using Cryo.Agent.Security;
using Cryo.Agent.Tests.Grpc;

namespace Cryo.Agent.Tests.Security;

/// <summary>The one CA-chain check both directions of the agent's mutual TLS use: exactly the configured CA, at a given time.</summary>
public sealed class AuthorityChainTests(TestPkiFixture fixture) : IClassFixture<TestPkiFixture>
{
    private TestPki Pki => fixture.Pki;

    [Fact]
    public void Verify_Should_Trust_When_LeafChainsToTheConfiguredCaNow()
    {
        var (trusted, reason) = new AuthorityChain(Pki.Ca).Verify(Pki.Agent, presented: null, DateTimeOffset.UtcNow);

        Assert.True(trusted, reason);
        Assert.Equal(string.Empty, reason);
    }

    [Fact]
    public void Verify_Should_Refuse_When_LeafIsIssuedByAnotherCa()
    {
        var (trusted, reason) = new AuthorityChain(Pki.Ca).Verify(Pki.OtherCaOperator, presented: null, DateTimeOffset.UtcNow);

        Assert.False(trusted);
        Assert.StartsWith("certificate 'CN=cryo-operator' does not chain to the configured CA or is not valid now (", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Should_Refuse_When_AnotherSelfSignedCaOfTheSameNameIsPresentedWithTheLeaf()
    {
        using var impostor = new Impostor();

        var (trusted, reason) = new AuthorityChain(Pki.Ca).Verify(impostor.Leaf, [impostor.Leaf, impostor.Ca], DateTimeOffset.UtcNow);

        Assert.False(trusted);
        Assert.Contains("certificate 'CN=localhost'", reason, StringComparison.Ordinal);
        Assert.Contains("the configured CA", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Should_JudgeValidityByTheTimeGiven_When_LeafHasExpiredThen()
    {
        var chain = new AuthorityChain(Pki.Ca);

        var past = chain.Verify(Pki.ExpiredOperator, presented: null, DateTimeOffset.UtcNow.AddDays(-15));
        var now = chain.Verify(Pki.ExpiredOperator, presented: null, DateTimeOffset.UtcNow);

        Assert.True(past.Trusted, past.Reason);
        Assert.False(now.Trusted);
        Assert.Contains("is not valid now (", now.Reason, StringComparison.Ordinal);
        Assert.Contains(nameof(X509ChainStatusFlags.NotTimeValid), now.Reason, StringComparison.Ordinal);
    }
}
