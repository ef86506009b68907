using Cryo.CommandLine;
using Cryo.Contracts.Agent.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Cryo.Cli;

/// <summary>What every verb needs: the agent, where to write, how, and when to give up.</summary>
/// <param name="Agent">The agent's API.</param>
/// <param name="Out">Standard output: results.</param>
/// <param name="Error">Standard error: progress and errors.</param>
/// <param name="Format">Text or JSON.</param>
/// <param name="Namespace">The namespace the verb works in.</param>
/// <param name="Archives">The agent's checkpoint archive API (export and import).</param>
/// <param name="Streams">Standard output and input as bytes, for archives.</param>
/// <param name="CancellationToken">Cancelled by Ctrl+C.</param>
public sealed record CliContext(
    AgentService.AgentServiceClient Agent,
    TextWriter Out,
    TextWriter Error,
    OutputFormat Format,
    string Namespace,
    CheckpointArchive.CheckpointArchiveClient Archives,
    CliStreams Streams,
    CancellationToken CancellationToken)
{
    /// <summary>Deadline of calls that move a whole checkpoint (export, import).</summary>
    public static readonly TimeSpan TransferDeadline = TimeSpan.FromHours(2);

    /// <summary>Standard output as bytes.</summary>
    public Stream StandardOutput() => Streams.Output();

    /// <summary>Standard input as bytes.</summary>
    public Stream StandardInput() => Streams.Input();

    /// <summary>Whether standard output is a terminal (no place for a binary archive).</summary>
    public bool StandardOutputIsTerminal => Streams.OutputIsTerminal;

    /// <summary>Deadline of quick calls (list, inspect, delete, node).</summary>
    public static readonly TimeSpan QuickDeadline = TimeSpan.FromSeconds(30);

    /// <summary>A call that moves a whole checkpoint: its deadline, cancelled by Ctrl+C.</summary>
    public CallOptions TransferCall() => Call(TransferDeadline);

    /// <summary>A quick call: its deadline, cancelled by Ctrl+C.</summary>
    public CallOptions QuickCall() => Call(QuickDeadline);

    /// <summary>
    /// A checkpoint or restore the agent gives up on after <paramref name="timeoutSeconds"/> (0: the agent's default):
    /// the CLI waits 30 s longer, so what the user sees is the agent's own timeout and its cleanup, not a cut call;
    /// an hour when the agent's default applies.
    /// </summary>
    public CallOptions OperationCall(uint timeoutSeconds) =>
        Call(timeoutSeconds == 0 ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(timeoutSeconds + 30));

    /// <summary>The checkpoint the verb's one positional argument names, in the verb's namespace.</summary>
    public CheckpointRef NamedCheckpoint(ParsedArguments args) =>
        new() { Namespace = Namespace, Name = args.SinglePositional("checkpoint name") };

    // Zeros and empty fields are printed too, so scripts find every key.
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    /// <summary>Prints a result: as JSON in JSON mode, else through <paramref name="text"/>.</summary>
    public void Print(IMessage message, Action<TextWriter> text)
    {
        if (Format == OutputFormat.Json)
        {
            Out.WriteLine(Json.Format(message));
        }
        else
        {
            text(Out);
        }
    }

    // Every call the CLI makes has a deadline and stops on Ctrl+C.
    private CallOptions Call(TimeSpan deadline) => new(deadline: DateTime.UtcNow + deadline, cancellationToken: CancellationToken);
}
