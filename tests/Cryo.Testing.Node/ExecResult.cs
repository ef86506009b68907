namespace Cryo.Testing.Node;

/// <summary>What a command run with the CRI's ExecSync in a container returned.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Stdout">Its standard output.</param>
/// <param name="Stderr">Its standard error.</param>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr);
