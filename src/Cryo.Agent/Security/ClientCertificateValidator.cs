using System.Security.Cryptography.X509Certificates;
using Cryo.Agent.Hosting;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Security;

/// <summary>
/// Decides whether a TLS client may call the agent: its certificate must chain to the configured CA
/// (that CA only, never the system store), be valid now, allow client authentication, and carry one of
/// the allowed identities (a DNS SAN, or the subject CN when the certificate has no DNS SAN).
/// </summary>
public sealed class ClientCertificateValidator
{
    private const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    private readonly AuthorityChain authority;
    private readonly HashSet<string> identities;
    private readonly HashSet<string> peers;
    private readonly TimeProvider time;

    /// <summary>Loads the CA named by <see cref="AgentOptions.ClientCaPath"/>.</summary>
    public ClientCertificateValidator(IOptions<AgentOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        var path = settings.ClientCaPath ?? throw new InvalidOperationException("Agent:ClientCaPath is required for the TLS listener");
        authority = new AuthorityChain(X509CertificateLoader.LoadCertificateFromFile(path));
        identities = new HashSet<string>(settings.EffectiveClientIdentities, StringComparer.OrdinalIgnoreCase);
        peers = new HashSet<string>(settings.PeerIdentities, StringComparer.OrdinalIgnoreCase);
        this.time = time;
    }

    /// <summary>Checks one client certificate.</summary>
    /// <param name="certificate">The client's leaf certificate.</param>
    /// <param name="presented">Intermediates the client sent, if any.</param>
    /// <param name="peersToo">Whether other agents (<see cref="AgentOptions.PeerIdentities"/>) are allowed too: at the
    /// TLS handshake, and for <c>CheckpointTransfer</c> calls.</param>
    /// <returns>Whether the client is allowed, and why not.</returns>
    public (bool Allowed, string Reason) Validate(X509Certificate2? certificate, IEnumerable<X509Certificate2>? presented = null, bool peersToo = false)
    {
        if (certificate is null)
        {
            return (false, "no client certificate");
        }

        var (trusted, reason) = authority.Verify(certificate, presented, time.GetUtcNow());
        if (!trusted)
        {
            return (false, reason);
        }

        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (usages is not null && !usages.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == ClientAuthenticationOid))
        {
            return (false, $"certificate '{certificate.Subject}' is not for client authentication");
        }

        var names = IdentitiesOf(certificate);
        var allowed = peersToo ? identities.Union(peers, StringComparer.OrdinalIgnoreCase).ToList() : [.. identities];
        return names.Any(n => allowed.Contains(n, StringComparer.OrdinalIgnoreCase))
            ? (true, string.Empty)
            : (false, $"certificate identity {string.Join(", ", names.Select(n => $"'{n}'"))} is not allowed (allowed: {string.Join(", ", allowed)})");
    }

    /// <summary>The identities a certificate carries: its DNS SANs, or its subject CN when it has none.</summary>
    public static IReadOnlyList<string> IdentitiesOf(X509Certificate2 certificate)
    {
        var dns = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(san => san.EnumerateDnsNames())
            .ToList();
        if (dns.Count > 0)
        {
            return dns;
        }

        var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrEmpty(cn) ? [] : [cn];
    }
}
