namespace Cryo.Kubectl;

/// <summary>No usable kubeconfig: the message says where the plugin looked and how to point it at one.</summary>
public sealed class KubeconfigMissingException(string message) : Exception(message);
