using Cryo.Agent.Operations;

namespace Cryo.Agent.Store;

/// <summary>
/// A checkpoint cannot be deleted while increments of it exist: their images read its pages (FAILED_PRECONDITION,
/// CHECKPOINT_HAS_CHILDREN, metadata "children"). Delete the children first.
/// </summary>
public sealed class CheckpointHasChildrenException : AgentException
{
    /// <summary>Creates the exception naming the children.</summary>
    public CheckpointHasChildrenException(string @namespace, string name, IReadOnlyList<string> children)
        : base($"checkpoint {@namespace}/{name} cannot be deleted: the increments {string.Join(", ", children)} read its pages; delete them first")
    {
        Namespace = @namespace;
        Name = name;
        Children = children;
    }

    /// <summary>The checkpoint's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The checkpoint's name.</summary>
    public string Name { get; }

    /// <summary>Names of the checkpoints (same namespace) built on it.</summary>
    public IReadOnlyList<string> Children { get; }
}
