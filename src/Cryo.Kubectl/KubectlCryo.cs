using System.Globalization;
using System.Net;
using Cryo.CommandLine;
using k8s.Autorest;

namespace Cryo.Kubectl;

/// <summary>
/// <c>kubectl cryo</c>: parses the command line, opens the user's cluster as kubectl would, runs the verb, prints,
/// returns the exit code. Errors go to standard error as <c>error: …</c>, as kubectl writes them.
/// </summary>
public static class KubectlCryo
{
    /// <summary>Options every verb takes, and their short forms (kubectl's own spellings).</summary>
    public static readonly CommandSyntax Syntax = new("kubectl cryo", ["--namespace", "--context", "--kubeconfig", "--output", "--timeout"],
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["-n"] = "--namespace", ["-o"] = "--output", ["-c"] = "--container", ["-A"] = "--all-namespaces", ["-f"] = "--follow",
        });

    /// <summary>How long --wait waits unless --timeout says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>What <c>kubectl cryo --help</c> prints.</summary>
    public static readonly string UsageText = string.Join('\n',
        "Checkpoint and restore pods with Cryo.",
        "",
        "usage:",
        $"  {CheckpointVerb.Usage}",
        $"  {RestoreVerb.Usage}",
        $"  {ListVerb.Usage}",
        $"  {InspectVerb.Usage}",
        $"  {RemoveVerb.Usage}",
        $"  {LogsVerb.Usage}",
        $"  {ExportVerb.Usage}",
        $"  {ImportVerb.Usage}",
        "",
        "options for every command:",
        "  -n, --namespace NS    the namespace (default: the context's, else default)",
        "      --context NAME    the kubeconfig context to use (default: the current one)",
        "      --kubeconfig FILE the kubeconfig (default: $KUBECONFIG, else ~/.kube/config)",
        "  -o, --output FORMAT   text (default), json or yaml",
        "      --timeout DURATION how long --wait waits (default 10m; e.g. 90s, 5m, 1h)",
        "",
        "--wait shows progress on standard error and exits 1 when the object fails, 4 on timeout.");

    /// <summary>Runs one command line.</summary>
    /// <param name="args">The command line after <c>kubectl cryo</c>.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="environment">Reads environment variables (<c>KUBECONFIG</c>, <c>HOME</c>).</param>
    /// <param name="cancellationToken">Cancelled by Ctrl+C.</param>
    /// <returns>The exit code: 0 only on success.</returns>
    public static Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error,
        Func<string, string?> environment, CancellationToken cancellationToken) =>
        RunAsync(args, output, error, environment, Console.OpenStandardOutput, Console.OpenStandardInput, cancellationToken);

    /// <summary>Runs one command line, with standard output and input as bytes from the given openers (archives).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error,
        Func<string, string?> environment, Func<Stream> standardOutput, Func<Stream> standardInput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            var parsed = ParsedArguments.Parse(Syntax, args, OptionsOf, FlagsOf);
            if (parsed.Flag("--help") || parsed.Verb is "" or "help")
            {
                await output.WriteLineAsync(UsageText);
                return parsed.Verb.Length == 0 && !parsed.Flag("--help") ? ExitCodes.Usage : ExitCodes.Success;
            }

            // export's -o names the archive file (kubectl cryo export CHECKPOINT -o FILE.tar), not a format.
            var format = parsed.Verb == "export" ? OutputFormat.Text : parsed.Value("--output") switch
            {
                null or "text" => OutputFormat.Text,
                "json" => OutputFormat.Json,
                "yaml" => OutputFormat.Yaml,
                var other => throw new UsageException($"--output is text, json or yaml, not '{other}'"),
            };
            var timeout = Duration(parsed.Value("--timeout")) ?? DefaultTimeout;
            Func<ParsedArguments, PluginContext, Task<int>> verb = parsed.Verb switch
            {
                "checkpoint" => CheckpointVerb.RunAsync,
                "restore" => RestoreVerb.RunAsync,
                "ls" or "list" => (a, c) => ListVerb.RunAsync(a, c, TimeProvider.System),
                "inspect" => InspectVerb.RunAsync,
                "rm" or "delete" => RemoveVerb.RunAsync,
                "logs" => LogsVerb.RunAsync,
                "export" => (a, c) => ExportVerb.RunAsync(new ArchiveVerbArgs(a, standardOutput, standardInput), c),
                "import" => (a, c) => ImportVerb.RunAsync(new ArchiveVerbArgs(a, standardOutput, standardInput), c),
                var unknown => throw new UsageException($"unknown command '{unknown}'"),
            };
            using var cluster = ClusterConnection.Open(parsed.Value("--kubeconfig"), parsed.Value("--context"), parsed.Value("--namespace"), environment);
            return await verb(parsed, new PluginContext(cluster, output, error, format, timeout, cancellationToken));
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}\nSee 'kubectl cryo --help' for usage.");
            return ExitCodes.Usage;
        }
        catch (KubeconfigMissingException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.ClusterUnreachable;
        }
        catch (HttpRequestException e)
        {
            await error.WriteLineAsync($"error: the cluster could not be reached: {e.Message}");
            return ExitCodes.ClusterUnreachable;
        }
        catch (ApiException e)
        {
            await error.WriteLineAsync($"error: {Explain(e.Status, e.Message)}");
            return ExitCodes.Failed;
        }
        catch (HttpOperationException e)
        {
            await error.WriteLineAsync($"error: {Explain(e.Response.StatusCode, e.Response.Content is { Length: > 0 } body ? body : e.Message)}");
            return ExitCodes.Failed;
        }
        catch (CommandRefusedException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (WaitTimedOutException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.TimedOut;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("interrupted: what was created goes on in the cluster");
            return ExitCodes.Interrupted;
        }
    }

    // A refusal for lack of RBAC says which permission the user lacks, in the API server's own words, and what to do.
    private static string Explain(HttpStatusCode status, string message) => status == HttpStatusCode.Forbidden
        ? $"{message} (ask your cluster admin for access to Cryo's resources in this namespace)"
        : message;

    /// <summary>A duration as kubectl writes them: <c>90s</c>, <c>5m</c>, <c>1h</c>, or plain seconds.</summary>
    public static TimeSpan? Duration(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var (number, unit) = text.Length > 0 && char.IsLetter(text[^1]) ? (text[..^1], text[^1]) : (text, 's');
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0
            || unit is not ('s' or 'm' or 'h'))
        {
            throw new UsageException($"--timeout is a duration such as 90s, 5m or 1h, not '{text}'");
        }

        return unit switch { 'h' => TimeSpan.FromHours(value), 'm' => TimeSpan.FromMinutes(value), _ => TimeSpan.FromSeconds(value) };
    }

    private static string[] OptionsOf(string verb) => verb switch
    {
        "checkpoint" => CheckpointVerb.Options,
        "restore" => RestoreVerb.Options,
        "inspect" => InspectVerb.Options,
        "logs" => LogsVerb.Options,
        "export" => ExportVerb.Options,
        "import" => ImportVerb.Options,
        _ => [],
    };

    private static string[] FlagsOf(string verb) => verb switch
    {
        "checkpoint" => CheckpointVerb.Flags,
        "restore" => RestoreVerb.Flags,
        "ls" or "list" => ListVerb.Flags,
        "inspect" => InspectVerb.Flags,
        "rm" or "delete" => RemoveVerb.Flags,
        "logs" => LogsVerb.Flags,
        "import" => ImportVerb.Flags,
        _ => [],
    };
}
