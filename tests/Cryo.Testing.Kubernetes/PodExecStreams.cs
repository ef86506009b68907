namespace Cryo.Testing.Kubernetes;

/// <summary>The standard streams of a command run through <c>pods/exec</c>, as bytes.</summary>
/// <param name="Stdin">What the client sends on channel 0; it ends when the client closes it (v5's close frame) or the connection.</param>
/// <param name="Stdout">Channel 1.</param>
/// <param name="Stderr">Channel 2.</param>
public sealed record PodExecStreams(Stream Stdin, Stream Stdout, Stream Stderr);
