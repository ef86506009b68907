namespace Cryo.Testing.Kubernetes;

/// <summary>A JSON patch that cannot be applied to the object as it is.</summary>
internal sealed class PatchFailedException(string message) : Exception(message);
