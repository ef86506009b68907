namespace Cryo.Cli;

/// <summary>How results are printed.</summary>
public enum OutputFormat
{
    /// <summary>For people.</summary>
    Text,

    /// <summary>One JSON object on standard output, for scripts.</summary>
    Json,
}
