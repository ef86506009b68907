namespace Cryo.Testing.Node;

/// <summary>The node harness could not set something up (containerd, an image, a pod's files, volumes or cgroups).</summary>
public sealed class NodeSetupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NodeSetupException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
