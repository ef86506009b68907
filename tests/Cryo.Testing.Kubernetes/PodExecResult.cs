namespace Cryo.Testing.Kubernetes;

/// <summary>What an exec'd command wrote and how it ended.</summary>
/// <param name="Stdout">Its standard output.</param>
/// <param name="Stderr">Its standard error.</param>
/// <param name="ExitCode">Its exit code.</param>
public sealed record PodExecResult(string Stdout, string Stderr, int ExitCode);
