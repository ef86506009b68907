using Cryo.CommandLine;
using Google.Protobuf;

namespace Cryo.Cli;

/// <summary>What every verb needs: the agent, where to write, how, and when to give up.</summary>
/// <param name="Agent">The agent's API.</param>
/// <param name="Out">Standard output: results.</param>
/// <param name="Error">Standard error: progress and errors.</param>
/// <param name="Format">Text or JSON.</param>
/// <param name="Namespace">The namespace the verb works in.</param>
/// <param name="CancellationToken">Cancelled by Ctrl+C.</param>
public sealed record CliContext(
    Contracts.Agent.V1.AgentService.AgentServiceClient Agent,
    TextWriter Out,
    TextWriter Error,
    OutputFormat Format,
    string Namespace,
    CancellationToken CancellationToken)
{
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
