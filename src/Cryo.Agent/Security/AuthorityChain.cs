using System.Security.Cryptography.X509Certificates;

namespace Cryo.Agent.Security;

/// <summary>
/// Whether a certificate chains to the one CA the agent's mutual TLS trusts (<see cref="Hosting.AgentOptions.ClientCaPath"/>),
/// never the system store, and is valid at a given time: the one check behind both directions, a client calling this
/// agent (<see cref="ClientCertificateValidator"/>) and another agent answering this one's pull
/// (<see cref="Transfer.PeerConnections"/>). The CA certificate stays its caller's to dispose.
/// </summary>
/// <param name="authority">The configured CA.</param>
public sealed class AuthorityChain(X509Certificate2 authority)
{
    /// <summary>Builds the chain of <paramref name="certificate"/> at <paramref name="at"/>.</summary>
    /// <param name="certificate">The leaf presented.</param>
    /// <param name="presented">Certificates presented with it (intermediates, or a whole chain); the leaf among them is skipped.</param>
    /// <param name="at">The time the chain must be valid at: the agent's <see cref="TimeProvider"/>'s now.</param>
    /// <returns>Whether the chain ends exactly in the configured CA and is valid then, and why not.</returns>
    public (bool Trusted, string Reason) Verify(X509Certificate2 certificate, IEnumerable<X509Certificate2>? presented, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        foreach (var extra in presented ?? [])
        {
            if (!extra.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            {
                chain.ChainPolicy.ExtraStore.Add(extra);
            }
        }

        if (!chain.Build(certificate))
        {
            var problems = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
            return (false, $"certificate '{certificate.Subject}' does not chain to the configured CA or is not valid now ({problems})");
        }

        // Build() with a custom root still accepts a chain ending in any self-signed root it was given;
        // insist that the root is exactly the configured CA.
        var root = chain.ChainElements[^1].Certificate;
        return root.RawDataMemory.Span.SequenceEqual(authority.RawDataMemory.Span)
            ? (true, string.Empty)
            : (false, $"certificate '{certificate.Subject}' chains to '{root.Subject}', not the configured CA");
    }
}
