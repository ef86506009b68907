using Cryo.Agent.Operations;

namespace Cryo.Agent.Interop;

/// <summary>
/// A checkpoint cannot be written in the kubelet's archive layout (gRPC FAILED_PRECONDITION, reason
/// UNSUPPORTED_WORKLOAD): an increment reads pages from its parent's images, which that layout cannot carry.
/// </summary>
public sealed class ExportUnsupportedException : AgentException
{
    /// <summary>Creates the exception.</summary>
    public ExportUnsupportedException(string @namespace, string name, string parent)
        : base($"checkpoint {@namespace}/{name} is an increment of {parent}: a kubelet checkpoint archive holds one self-contained image directory; " +
               "export a full checkpoint (a Checkpoint without parentCheckpoint) instead")
    {
        Parent = parent;
    }

    /// <summary>The parent the increment reads.</summary>
    public string Parent { get; }
}
