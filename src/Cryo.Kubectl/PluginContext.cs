using System.Text.Json.Nodes;
using Cryo.CommandLine;

namespace Cryo.Kubectl;

/// <summary>What every verb needs: the cluster, where to write, how, and when to give up.</summary>
/// <param name="Cluster">The user's cluster and namespace.</param>
/// <param name="Out">Standard output: results.</param>
/// <param name="Error">Standard error: progress and errors.</param>
/// <param name="Format">Text, JSON or YAML.</param>
/// <param name="Timeout">How long --wait waits.</param>
/// <param name="CancellationToken">Cancelled by Ctrl+C.</param>
public sealed record PluginContext(ClusterConnection Cluster, TextWriter Out, TextWriter Error, OutputFormat Format, TimeSpan Timeout,
    CancellationToken CancellationToken)
{
    /// <summary>The namespace verbs work in.</summary>
    public string Namespace => Cluster.Namespace;

    /// <summary>Cryo's custom resources.</summary>
    public CryoObjects Objects => Cluster.Objects;

    /// <summary>Prints a result: as JSON or YAML in those modes, else through <paramref name="text"/>.</summary>
    public void Print(JsonNode document, Action<TextWriter> text)
    {
        switch (Format)
        {
            case OutputFormat.Json:
                Out.WriteLine(document.ToJsonString(Indented));
                break;
            case OutputFormat.Yaml:
                Out.Write(YamlWriter.Write(document));
                break;
            default:
                text(Out);
                break;
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };
}
