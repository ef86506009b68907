namespace Cryo.Operator.Configuration;

/// <summary>Mutual TLS towards the agents: the operator's client certificate and the CA that signs agents.</summary>
public sealed class AgentTlsOptions
{
    /// <summary>Use TLS; only tests on loopback turn it off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>PEM file of the CA the agents' server certificates must chain to.</summary>
    public string CaFile { get; set; } = "";

    /// <summary>PEM file of the operator's client certificate.</summary>
    public string CertFile { get; set; } = "";

    /// <summary>PEM file of the operator's client key.</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>The name the agents' certificates carry (agents are dialled by pod IP).</summary>
    public string AgentServerName { get; set; } = "cryo-agent";
}
