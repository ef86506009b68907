using Microsoft.Extensions.Options;

namespace Cryo.Agent.Hosting;

/// <summary>Checks <see cref="AgentOptions"/> at start; each failure names the setting to fix.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    private const string Prefix = AgentOptions.SectionName + ":";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.SocketPath) && !Path.IsPathRooted(options.SocketPath))
        {
            failures.Add($"{Prefix}SocketPath (--socket) must be an absolute path, got '{options.SocketPath}'");
        }

        if (string.IsNullOrEmpty(options.SocketPath) && options.TcpPort is null)
        {
            failures.Add($"{Prefix}SocketPath (--socket) and {Prefix}TcpPort (--tcp-port) are both unset: the agent would serve no one");
        }

        CheckPort(failures, nameof(AgentOptions.TcpPort), options.TcpPort);
        CheckPort(failures, nameof(AgentOptions.HttpPort), options.HttpPort);
        if (options.TcpPort is not null)
        {
            RequireFile(failures, nameof(AgentOptions.TlsCertificatePath), options.TlsCertificatePath);
            RequireFile(failures, nameof(AgentOptions.TlsKeyPath), options.TlsKeyPath);
            RequireFile(failures, nameof(AgentOptions.ClientCaPath), options.ClientCaPath);
            if (options.AllowedClientIdentities.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"{Prefix}AllowedClientIdentities must not contain empty identities");
            }
        }

        if (options.ListenAddress is { Length: > 0 } address && !System.Net.IPAddress.TryParse(address, out _))
        {
            failures.Add($"{Prefix}ListenAddress must be an IP address, got '{address}'");
        }

        if (string.IsNullOrWhiteSpace(options.CriuPath) || !Path.IsPathRooted(options.CriuPath))
        {
            failures.Add($"{Prefix}CriuPath (--criu) must be an absolute path, got '{options.CriuPath}'");
        }

        if (options.MaxParallelOperations is < 1 or > 64)
        {
            failures.Add($"{Prefix}MaxParallelOperations (--max-parallel) must be 1-64, got {options.MaxParallelOperations}");
        }

        if (string.IsNullOrWhiteSpace(options.NodeName))
        {
            failures.Add($"{Prefix}NodeName (--node-name, or NODE_NAME) must not be empty");
        }

        if (options.DefaultTimeoutSeconds < 1 || options.DefaultTimeoutSeconds > options.MaxTimeoutSeconds)
        {
            failures.Add($"{Prefix}DefaultTimeoutSeconds must be 1-{Prefix}MaxTimeoutSeconds ({options.MaxTimeoutSeconds}), got {options.DefaultTimeoutSeconds}");
        }

        if (options.ResultRetentionMinutes < 1)
        {
            failures.Add($"{Prefix}ResultRetentionMinutes must be at least 1, got {options.ResultRetentionMinutes}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckPort(List<string> failures, string setting, int? port)
    {
        if (port is < 0 or > 65535)
        {
            failures.Add($"{Prefix}{setting} must be 0-65535, got {port}");
        }
    }

    private static void RequireFile(List<string> failures, string setting, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{Prefix}{setting} is required when {Prefix}TcpPort is set (mutual TLS)");
        }
        else if (!File.Exists(path))
        {
            failures.Add($"{Prefix}{setting}: file '{path}' does not exist");
        }
    }
}
