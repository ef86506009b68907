using Cryo.CommandLine;
using Google.Protobuf;

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
    Contracts.Agent.V1.AgentService.AgentServiceClient Agent,
    TextWriter Out,
    TextWriter Error,
    OutputFormat Format,
    string Namespace,
    Contracts.Agent.V1.CheckpointArchive.CheckpointArchiveClient Archives,
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

    /// <summary>A deadline for a call that moves a whole checkpoint.</summary>
    public static DateTime Transfer() => DateTime.UtcNow + TransferDeadline;

    /// <summary>Deadline of quick calls (list, inspect, delete, node).</summary>
    public static readonly TimeSpan QuickDeadline = TimeSpan.FromSeconds(30);

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

    /// <summary>A deadline for a quick call.</summary>
    public static DateTime Quick() => DateTime.UtcNow + QuickDeadline;
}
