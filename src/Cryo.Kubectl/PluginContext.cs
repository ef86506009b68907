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

    /// <summary>The object the command names, in the namespace; when it does not exist, refuses the command and says how to list them.</summary>
    public async Task<JsonObject> ExistingAsync(CryoKinds.Kind kind, string name)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return await Objects.GetAsync(kind, Namespace, name, CancellationToken)
            ?? throw new CommandRefusedException($"{kind.Name.ToLowerInvariant()} {Namespace}/{name} does not exist ({kind.ListCommand} lists them)");
    }

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
