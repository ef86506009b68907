using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cryo.Testing.Certificates;

/// <summary>Certificates made in memory for the mutual-TLS tests: a CA, the agent's, and clients good and bad.</summary>
public static class TestCertificates
{
    public static (X509Certificate2 Certificate, ECDsa Key) CreateCa(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return (request.CreateSelfSigned(now.AddDays(-30), now.AddDays(30)), key);
    }

    /// <summary>
    /// A leaf signed by <paramref name="ca"/>, with its private key attached: for client authentication, or for
    /// server authentication (and client authentication too with <paramref name="alsoClient"/>, as agents pulling from each other).
    /// </summary>
    public static (X509Certificate2 Certificate, ECDsa Key) CreateLeaf(
        X509Certificate2 ca, string commonName, string[] dnsNames, bool client, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, bool loopbackIp = false,
        bool alsoClient = false)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var usages = new OidCollection { new Oid(client ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1") };
        if (!client && alsoClient)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (dnsNames.Length > 0 || loopbackIp)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dns in dnsNames)
            {
                san.AddDnsName(dns);
            }

            if (loopbackIp)
            {
                san.AddIpAddress(System.Net.IPAddress.Loopback);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        var now = DateTimeOffset.UtcNow;
        using var signed = request.Create(ca, notBefore ?? now.AddDays(-1), notAfter ?? now.AddDays(7), RandomNumberGenerator.GetBytes(16));
        using var withKey = signed.CopyWithPrivateKey(key);

        // Through PKCS#12 so the key is usable by SslStream however the platform stores ephemeral keys.
        return (X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null), key);
    }

    /// <summary>Writes a certificate and its key as PEM files; returns their paths.</summary>
    public static (string Certificate, string Key) WritePem(string directory, string name, X509Certificate2 certificate, ECDsa key)
    {
        var certificatePath = Path.Combine(directory, name + ".crt");
        var keyPath = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
