namespace Cryo.Cli;

/// <summary>What <c>--output json</c> prints when a command fails: <c>{"error": {…}}</c>.</summary>
/// <param name="Error">The failure.</param>
public sealed record ErrorDocument(ErrorBody Error);
