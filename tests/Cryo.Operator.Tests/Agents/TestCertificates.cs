using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cryo.Operator.Tests.Agents;

/// <summary>A throwaway CA with an agent server certificate and an operator client certificate, as PEM files in a temp dir.</summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public X509Certificate2 Ca { get; private set; } = null!;

    public X509Certificate2 Agent { get; private set; } = null!;

    public string CaFile => Path.Combine(Directory, "ca.crt");

    public string ClientCertFile => Path.Combine(Directory, "tls.crt");

    public string ClientKeyFile => Path.Combine(Directory, "tls.key");

    /// <summary>Creates the CA and both leaves; the agent's certificate names <paramref name="agentName"/>.</summary>
    public static TestCertificates Create(string agentName)
    {
        var certs = new TestCertificates(System.IO.Directory.CreateTempSubdirectory("cryo-tls-").FullName);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=cryo-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        certs.Ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(2));
        certs.Agent = Leaf(certs.Ca, $"CN={agentName}", agentName, "1.3.6.1.5.5.7.3.1");
        using var client = Leaf(certs.Ca, "CN=cryo-operator", "cryo-operator", "1.3.6.1.5.5.7.3.2");
        File.WriteAllText(certs.CaFile, certs.Ca.ExportCertificatePem());
        File.WriteAllText(certs.ClientCertFile, client.ExportCertificatePem());
        File.WriteAllText(certs.ClientKeyFile, client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return certs;
    }

    public void Dispose()
    {
        Ca.Dispose();
        Agent.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static X509Certificate2 Leaf(X509Certificate2 ca, string subject, string dnsName, string usageOid)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        request.CertificateExtensions.Add(san.Build());
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        // Export/import so the key is attached and usable by TLS stacks on every platform.
        return X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(key).Export(X509ContentType.Pfx), null);
    }
}
