namespace Cryo.Cli;

/// <summary>Standard output and input as bytes: archives are binary, and tests hand in streams of their own.</summary>
/// <param name="Output">Opens standard output.</param>
/// <param name="Input">Opens standard input.</param>
/// <param name="OutputIsTerminal">Whether standard output is a terminal.</param>
public sealed record CliStreams(Func<Stream> Output, Func<Stream> Input, bool OutputIsTerminal)
{
    /// <summary>The process's own.</summary>
    public static CliStreams Console { get; } = new(System.Console.OpenStandardOutput, System.Console.OpenStandardInput, !System.Console.IsOutputRedirected);
}
