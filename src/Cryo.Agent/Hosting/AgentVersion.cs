using System.Reflection;

namespace Cryo.Agent.Hosting;

/// <summary>The agent's own version, as reported by GetNodeInfo.</summary>
public static class AgentVersion
{
    /// <summary>The informational version of this assembly (e.g. <c>1.0.0+abc123</c>).</summary>
    public static string Current { get; } =
        typeof(AgentVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(AgentVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
