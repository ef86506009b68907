namespace Cryo.CommandLine;

/// <summary>How results are printed.</summary>
public enum OutputFormat
{
    /// <summary>For people.</summary>
    Text,

    /// <summary>JSON on standard output, for scripts.</summary>
    Json,

    /// <summary>YAML on standard output, as <c>kubectl get -o yaml</c> prints it (kubectl cryo only).</summary>
    Yaml,
}
