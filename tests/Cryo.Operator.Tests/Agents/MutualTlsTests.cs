namespace Cryo.Operator.Tests.Agents;

/// <summary>The operator's gRPC client speaks mutual TLS to agents and refuses an agent it cannot verify.</summary>
public sealed class MutualTlsTests
{
    [Fact]
    public async Task Checkpoint_Should_Succeed_OverMutualTls()
    {
        // Arrange
        using var certs = new TestPki("cryo-agent");
        await using var cluster = await StartOverTlsAsync(certs);
        var agent = cluster.Agents["node-1"];

        // Act
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        var done = await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase is Phase.Succeeded or Phase.Failed, "finished");

        // Assert
        Assert.True(done.Status!.Phase == Phase.Succeeded, done.Status.Message);
        Assert.Equal(1, agent.Engine.Dumps);
    }

    [Fact]
    public async Task Checkpoint_Should_ReportAgentUnavailable_When_AgentCertificateNamesAnotherServer()
    {
        // Arrange: the agent's certificate is valid but for another name than the operator expects.
        using var certs = new TestPki("not-the-agent");
        await using var cluster = await StartOverTlsAsync(certs);
        var agent = cluster.Agents["node-1"];

        // Act
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        var waiting = await cluster.WaitForCheckpointAsync("web-1",
            c => c.Status?.Conditions?.Any(x => x is { Type: ConditionTypes.AgentReachable, Status: "False" }) == true, "agent unreachable");

        // Assert
        Assert.Equal(ConditionReasons.AgentUnavailable, waiting.Status!.Conditions!.Single(c => c.Type == ConditionTypes.AgentReachable).Reason);
        Assert.Empty(agent.Engine.CheckpointCalls);
    }

    /// <summary>
    /// The cluster with pod "web" on node-1, whose agent serves the certificate <paramref name="certs"/> issued and is
    /// stopped with the cluster, and an operator that speaks mutual TLS to agents and expects them to be "cryo-agent".
    /// </summary>
    private static async Task<OperatorHarness> StartOverTlsAsync(TestPki certs)
    {
        var cluster = await OperatorHarness.StartAsync();
        var agent = cluster.Agents["node-1"] = await FakeAgentServer.StartAsync("node-1", certs);
        await cluster.Kubelet.AgentPodAsync("node-1", agent.Port);
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", "node-1");
        await cluster.StartOperatorAsync(settings: TlsSettings(certs, "cryo-agent"));
        return cluster;
    }

    private static Dictionary<string, string?> TlsSettings(TestPki certs, string serverName) => new()
    {
        ["Operator:Tls:Enabled"] = "true",
        ["Operator:Tls:CaFile"] = certs.CaPath,
        ["Operator:Tls:CertFile"] = certs.OperatorCertificatePath,
        ["Operator:Tls:KeyFile"] = certs.OperatorKeyPath,
        ["Operator:Tls:AgentServerName"] = serverName,
    };
}
