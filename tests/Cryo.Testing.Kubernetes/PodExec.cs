namespace Cryo.Testing.Kubernetes;

/// <summary>A <c>pods/exec</c> request: which container, and the command line.</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Pod">The pod.</param>
/// <param name="Container">The container (the pod's only one when the request named none).</param>
/// <param name="Command">The command and its arguments.</param>
public sealed record PodExec(string Namespace, string Pod, string Container, IReadOnlyList<string> Command);
