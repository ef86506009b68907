using Cryo.CommandLine;
namespace Cryo.Cli;

/// <summary>The <c>cryo</c> command: parses the command line, calls the agent, prints, returns the exit code.</summary>
public static class CryoCli
{
    /// <summary>Options every verb takes, and their short forms.</summary>
    public static readonly CommandSyntax Syntax = new("cryo", ["--socket", "--output", "--namespace"],
        new Dictionary<string, string>(StringComparer.Ordinal) { ["-o"] = "--output", ["-n"] = "--namespace", ["-f"] = "--file" });

    /// <summary>What <c>cryo --help</c> prints.</summary>
    public static readonly string UsageText = string.Join('\n',
        "usage:",
        $"  {CheckpointVerb.Usage}",
        CheckpointVerb.FlagHelp,
        $"  {RestoreVerb.Usage}",
        $"  {ListVerb.Usage}",
        $"  {InspectVerb.Usage}",
        $"  {RemoveVerb.Usage}",
        $"  {ExportVerb.Usage}",
        $"  {ImportVerb.Usage}",
        $"  {NodeVerb.Usage}",
        "options for every verb:",
        $"  --socket PATH        the agent's Unix socket (default ${AgentConnection.SocketEnvironmentVariable}, else {AgentConnection.DefaultSocketPath})",
        "  --output text|json   json prints one object on standard output, for scripts",
        "  --namespace NS       the checkpoints' namespace (default \"default\"; ls lists all unless given)");

    /// <summary>Runs one command.</summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="environment">Reads environment variables (<c>CRYO_SOCKET</c>).</param>
    /// <param name="cancellationToken">Cancelled by Ctrl+C.</param>
    /// <returns>The exit code: 0 only on success.</returns>
    public static Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error,
        Func<string, string?> environment, CancellationToken cancellationToken) =>
        RunAsync(args, output, error, environment, CliStreams.Console, cancellationToken);

    /// <summary>Runs one command, with standard output and input as bytes from <paramref name="streams"/> (archives).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error,
        Func<string, string?> environment, CliStreams streams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(environment);
        var socket = environment(AgentConnection.SocketEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : AgentConnection.DefaultSocketPath;
        var format = OutputFormat.Text;
        try
        {
            var parsed = ParsedArguments.Parse(Syntax, args, OptionsOf, FlagsOf);
            socket = parsed.Value("--socket") ?? socket;
            format = parsed.Value("--output") switch
            {
                null or "text" => OutputFormat.Text,
                "json" => OutputFormat.Json,
                var other => throw new UsageException($"--output is text or json, not '{other}'"),
            };
            if (parsed.Flag("--help") || parsed.Verb is "" or "help")
            {
                await output.WriteLineAsync(UsageText);
                return parsed.Verb.Length == 0 && !parsed.Flag("--help") ? ExitCodes.Usage : ExitCodes.Success;
            }

            Func<ParsedArguments, CliContext, Task<int>> verb = parsed.Verb switch
            {
                "checkpoint" => CheckpointVerb.RunAsync,
                "restore" => RestoreVerb.RunAsync,
                "ls" or "list" => ListVerb.RunAsync,
                "inspect" => InspectVerb.RunAsync,
                "rm" or "delete" => RemoveVerb.RunAsync,
                "node" => NodeVerb.RunAsync,
                "export" => ExportVerb.RunAsync,
                "import" => ImportVerb.RunAsync,
                var unknown => throw new UsageException($"unknown command '{unknown}'"),
            };
            using var connection = new AgentConnection(socket);
            var context = new CliContext(connection.Client, output, error, format, parsed.Value("--namespace") ?? "default",
                connection.Archives, streams, cancellationToken);
            return await verb(parsed, context);
        }
        catch (Exception ex) when (ex is UsageException or Grpc.Core.RpcException or OperationCanceledException or IOException)
        {
            return ErrorReport.Write(ex, socket, format, output, error);
        }
    }

    private static string[] OptionsOf(string verb) => verb switch
    {
        "checkpoint" => CheckpointVerb.Options,
        "restore" => RestoreVerb.Options,
        "export" => ExportVerb.Options,
        "import" => ImportVerb.Options,
        _ => [],
    };

    private static string[] FlagsOf(string verb) => verb switch
    {
        "checkpoint" => CheckpointVerb.Flags,
        "restore" => RestoreVerb.Flags,
        _ => [],
    };
}
