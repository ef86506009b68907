namespace Cryo.CommandLine;

/// <summary>The command line is wrong; the message says how to fix it (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);
