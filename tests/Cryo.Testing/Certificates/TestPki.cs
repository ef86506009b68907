using System.Security.Cryptography.X509Certificates;

namespace Cryo.Testing.Certificates;

/// <summary>
/// One set of test certificates: a CA, the agent's certificate (server, and client for pulls from other agents) (on disk for the real agent, in memory
/// for a server hosted by the test), the operator's client certificate (in memory and on disk), and clients
/// that must be refused (another CA's, an expired one, a wrong identity).
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly TempDirectory directory = new("cryo-pki-");

    /// <summary>Creates the set; the agent's certificate names <paramref name="agentName"/> and 127.0.0.1.</summary>
    public TestPki(string agentName = "localhost")
    {
        var (ca, caKey) = TestCertificates.CreateCa("cryo-test-ca");
        var (otherCa, otherCaKey) = TestCertificates.CreateCa("cryo-test-ca");
        Ca = ca;
        CaPath = directory.Combine("ca.crt");
        File.WriteAllText(CaPath, ca.ExportCertificatePem());
        // Server and client: agents pull checkpoints from each other with it, as with the chart's agent certificate.
        var (agent, agentKey) = TestCertificates.CreateLeaf(ca, agentName, [agentName], client: false, loopbackIp: true, alsoClient: true);
        Agent = agent;
        (AgentCertificatePath, AgentKeyPath) = TestCertificates.WritePem(Directory, "agent", agent, agentKey);
        agentKey.Dispose();

        var (@operator, operatorKey) = TestCertificates.CreateLeaf(ca, "cryo-operator", ["cryo-operator"], client: true);
        Operator = @operator;
        (OperatorCertificatePath, OperatorKeyPath) = TestCertificates.WritePem(Directory, "operator", @operator, operatorKey);
        operatorKey.Dispose();
        OtherCaOperator = TestCertificates.CreateLeaf(otherCa, "cryo-operator", ["cryo-operator"], client: true).Certificate;
        var now = DateTimeOffset.UtcNow;
        ExpiredOperator = TestCertificates.CreateLeaf(ca, "cryo-operator", ["cryo-operator"], client: true, now.AddDays(-20), now.AddDays(-10)).Certificate;
        WrongIdentity = TestCertificates.CreateLeaf(ca, "cryo-intruder", ["cryo-intruder"], client: true).Certificate;
        caKey.Dispose();
        otherCa.Dispose();
        otherCaKey.Dispose();
    }

    /// <summary>The directory holding the PEM files.</summary>
    public string Directory => directory.Path;

    public X509Certificate2 Ca { get; }

    public string CaPath { get; }

    /// <summary>The agent's server certificate with its private key.</summary>
    public X509Certificate2 Agent { get; }

    public string AgentCertificatePath { get; }

    public string AgentKeyPath { get; }

    /// <summary>The operator's client certificate with its private key.</summary>
    public X509Certificate2 Operator { get; }

    public string OperatorCertificatePath { get; }

    public string OperatorKeyPath { get; }

    public X509Certificate2 OtherCaOperator { get; }

    public X509Certificate2 ExpiredOperator { get; }

    public X509Certificate2 WrongIdentity { get; }

    public void Dispose()
    {
        Agent.Dispose();
        Operator.Dispose();
        OtherCaOperator.Dispose();
        ExpiredOperator.Dispose();
        WrongIdentity.Dispose();
        Ca.Dispose();
        directory.Dispose();
    }
}
