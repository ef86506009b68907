using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary>What export and import take besides the context: the command line, the agents' namespace, standard streams as bytes.</summary>
/// <param name="Parsed">The command line.</param>
/// <param name="StandardOutput">Opens standard output (an archive written to it).</param>
/// <param name="StandardInput">Opens standard input (an archive read from it).</param>
public sealed record ArchiveVerbArgs(ParsedArguments Parsed, Func<Stream> StandardOutput, Func<Stream> StandardInput)
{
    /// <summary>The agents' namespace: --agent-namespace, else <see cref="InspectVerb.DefaultAgentNamespace"/>.</summary>
    public string AgentNamespace => Parsed.Value("--agent-namespace") ?? InspectVerb.DefaultAgentNamespace;
}
