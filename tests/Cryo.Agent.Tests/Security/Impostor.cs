using System.Security.Cryptography.X509Certificates;

namespace Cryo.Agent.Tests.Security;

/// <summary>
/// Another CA named like the test PKI's (<c>cryo-test-ca</c>) and an agent certificate it issued for <c>localhost</c>,
/// the peers' identity: everything right but the CA.
/// </summary>
public sealed class Impostor : IDisposable
{
    public Impostor()
    {
        // The certificates carry their own keys (the leaf's through PKCS#12), as TestPki's do.
        var (ca, caKey) = TestCertificates.CreateCa("cryo-test-ca");
        using (caKey)
        {
            Ca = ca;
            var (leaf, leafKey) = TestCertificates.CreateLeaf(ca, "localhost", ["localhost"], client: false, alsoClient: true);
            leafKey.Dispose();
            Leaf = leaf;
        }
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Leaf { get; }

    /// <summary>The chain as the impostor presents it, leaf and its own CA (dispose it).</summary>
    public X509Chain Chain()
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.Build(Leaf);
        return chain;
    }

    public void Dispose()
    {
        Leaf.Dispose();
        Ca.Dispose();
    }
}
