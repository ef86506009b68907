namespace Cryo.Agent.Hosting;

/// <summary>The agent's command-line switches and the configuration keys they set.</summary>
public static class AgentCommandLine
{
    /// <summary>Switch → configuration key, for <c>AddCommandLine</c>.</summary>
    public static IReadOnlyDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>
    {
        ["--store"] = "Store:RootDirectory",
        ["--socket"] = "Agent:SocketPath",
        ["--tcp-port"] = "Agent:TcpPort",
        ["--http-port"] = "Agent:HttpPort",
        ["--listen-address"] = "Agent:ListenAddress",
        ["--tls-cert"] = "Agent:TlsCertificatePath",
        ["--tls-key"] = "Agent:TlsKeyPath",
        ["--client-ca"] = "Agent:ClientCaPath",
        ["--criu"] = "Agent:CriuPath",
        ["--max-parallel"] = "Agent:MaxParallelOperations",
        ["--node-name"] = "Agent:NodeName",
    };
}
