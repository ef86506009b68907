using System.Text.Json.Serialization;

namespace Cryo.Agent.Interop;

/// <summary>The <c>process</c> of an OCI runtime spec.</summary>
public sealed class RuntimeSpecProcess
{
    /// <summary>Whether the process has a terminal (dumped and restored as a shell job).</summary>
    [JsonPropertyName("terminal")]
    public bool Terminal { get; set; }

    /// <summary>The command line.</summary>
    [JsonPropertyName("args")]
    public List<string>? Args { get; set; }

    /// <summary>The working directory.</summary>
    [JsonPropertyName("cwd")]
    public string Cwd { get; set; } = "/";
}
