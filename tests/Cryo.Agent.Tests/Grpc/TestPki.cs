using System.Security.Cryptography.X509Certificates;

namespace Cryo.Agent.Tests.Grpc;

/// <summary>One set of test certificates on disk (the agent's side) and in memory (the clients').</summary>
public sealed class TestPki : IDisposable
{
    public TestPki()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("cryo-pki-").FullName;
        var (ca, caKey) = TestCertificates.CreateCa("cryo-test-ca");
        var (otherCa, otherCaKey) = TestCertificates.CreateCa("cryo-test-ca");
        Ca = ca;
        CaPath = Path.Combine(Directory, "ca.crt");
        File.WriteAllText(CaPath, ca.ExportCertificatePem());
        var (agent, agentKey) = TestCertificates.CreateLeaf(ca, "cryo-agent", ["localhost"], client: false, loopbackIp: true);
        (AgentCertificatePath, AgentKeyPath) = TestCertificates.WritePem(Directory, "agent", agent, agentKey);
        agent.Dispose();
        agentKey.Dispose();

        Operator = TestCertificates.CreateLeaf(ca, "cryo-operator", ["cryo-operator"], client: true).Certificate;
        OtherCaOperator = TestCertificates.CreateLeaf(otherCa, "cryo-operator", ["cryo-operator"], client: true).Certificate;
        var now = DateTimeOffset.UtcNow;
        ExpiredOperator = TestCertificates.CreateLeaf(ca, "cryo-operator", ["cryo-operator"], client: true, now.AddDays(-20), now.AddDays(-10)).Certificate;
        WrongIdentity = TestCertificates.CreateLeaf(ca, "cryo-intruder", ["cryo-intruder"], client: true).Certificate;
        caKey.Dispose();
        otherCa.Dispose();
        otherCaKey.Dispose();
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public string CaPath { get; }

    public string AgentCertificatePath { get; }

    public string AgentKeyPath { get; }

    public X509Certificate2 Operator { get; }

    public X509Certificate2 OtherCaOperator { get; }

    public X509Certificate2 ExpiredOperator { get; }

    public X509Certificate2 WrongIdentity { get; }

    public void Dispose()
    {
        Operator.Dispose();
        OtherCaOperator.Dispose();
        ExpiredOperator.Dispose();
        WrongIdentity.Dispose();
        Ca.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
