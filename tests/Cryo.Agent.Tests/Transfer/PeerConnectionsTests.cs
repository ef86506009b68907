using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Cryo.Agent.Security;
using Cryo.Agent.Tests.Grpc;
using Cryo.Agent.Tests.Security;
using Cryo.Agent.Transfer;

namespace Cryo.Agent.Tests.Transfer;

/// <summary>
/// The TLS callback with which a pulling agent accepts the agent it pulls from (<see cref="PeerConnections.PeerCheck"/>):
/// the same CA check as the agent's own listener, exactly the configured CA by the agent's clock, and a peer identity.
/// </summary>
public sealed class PeerConnectionsTests(TestPkiFixture fixture) : IClassFixture<TestPkiFixture>
{
    private static readonly string[] Peers = ["localhost"];

    private TestPki Pki => fixture.Pki;

    [Fact]
    public void PeerCheck_Should_Accept_When_CertificateIsTheConfiguredCasWithAPeerIdentity()
    {
        var check = PeerConnections.PeerCheck(new AuthorityChain(Pki.Ca), Peers, TimeProvider.System);

        Assert.True(check(this, Pki.Agent, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void PeerCheck_Should_Refuse_When_CertificateIsAnotherCasWithAnAllowedIdentity()
    {
        var check = PeerConnections.PeerCheck(new AuthorityChain(Pki.Ca), ["cryo-operator"], TimeProvider.System);

        Assert.False(check(this, Pki.OtherCaOperator, null, SslPolicyErrors.None));
    }

    [Fact]
    public void PeerCheck_Should_Refuse_When_PeerPresentsAnotherSelfSignedCaOfTheSameName()
    {
        using var impostor = new Impostor();
        using var chain = impostor.Chain();
        var check = PeerConnections.PeerCheck(new AuthorityChain(Pki.Ca), Peers, TimeProvider.System);

        Assert.Equal(2, chain.ChainElements.Count);
        Assert.False(check(this, impostor.Leaf, chain, SslPolicyErrors.None));
    }

    [Fact]
    public void PeerCheck_Should_Refuse_When_CertificateHasExpiredByTheAgentsClock()
    {
        var authority = new AuthorityChain(Pki.Ca);
        var later = PeerConnections.PeerCheck(authority, Peers, new FixedClock(DateTimeOffset.UtcNow.AddDays(8)));
        var now = PeerConnections.PeerCheck(authority, Peers, new FixedClock(DateTimeOffset.UtcNow));

        Assert.False(later(this, Pki.Agent, null, SslPolicyErrors.None));
        Assert.True(now(this, Pki.Agent, null, SslPolicyErrors.None));
    }

    [Fact]
    public void PeerCheck_Should_Refuse_When_IdentityIsNotAPeers()
    {
        var check = PeerConnections.PeerCheck(new AuthorityChain(Pki.Ca), Peers, TimeProvider.System);

        Assert.False(check(this, Pki.WrongIdentity, null, SslPolicyErrors.None));
        Assert.False(check(this, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }
}
