using Cryo.Agent.Operations;

namespace Cryo.Agent.Interop;

/// <summary>
/// A checkpoint cannot be written in the kubelet's archive layout (gRPC FAILED_PRECONDITION, reason
/// UNSUPPORTED_WORKLOAD): an increment reads pages from its parent's images, and a compressed checkpoint's page
/// images are zstd frames; the layout carries one self-contained directory of CRIU's plain images.
/// </summary>
public sealed class ExportUnsupportedException : AgentException
{
    private ExportUnsupportedException(string message, string detailKey, string detailValue)
        : base(message)
    {
        DetailKey = detailKey;
        DetailValue = detailValue;
    }

    /// <summary>What stands in the way, as the error's detail key: <c>parent</c> or <c>compression</c>.</summary>
    public string DetailKey { get; }

    /// <summary>The parent the increment reads, or the compression of the page images.</summary>
    public string DetailValue { get; }

    /// <summary>The checkpoint is an increment of <paramref name="parent"/>.</summary>
    public static ExportUnsupportedException Increment(string @namespace, string name, string parent) =>
        new($"checkpoint {@namespace}/{name} is an increment of {parent}: a kubelet checkpoint archive holds one self-contained image directory; " +
            "export a full checkpoint (a Checkpoint without parentCheckpoint) instead", "parent", parent);

    /// <summary>The checkpoint's page images are compressed with <paramref name="compression"/>.</summary>
    public static ExportUnsupportedException Compressed(string @namespace, string name, string compression) =>
        new($"checkpoint {@namespace}/{name} stores its page images compressed ({compression}), which the kubelet's archive layout and the runtimes " +
            "that read it cannot restore; export a checkpoint made without spec.compression instead", "compression", compression);
}
