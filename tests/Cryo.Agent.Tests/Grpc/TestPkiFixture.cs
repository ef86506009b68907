namespace Cryo.Agent.Tests.Grpc;

/// <summary>One set of test certificates per test class.</summary>
public sealed class TestPkiFixture : IDisposable
{
    public TestPki Pki { get; } = new();

    public void Dispose() => Pki.Dispose();
}
