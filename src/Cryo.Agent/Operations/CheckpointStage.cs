namespace Cryo.Agent.Operations;

/// <summary>The stages a checkpoint goes through, reported to the caller as progress.</summary>
public enum CheckpointStage
{
    /// <summary>Waiting for a slot under the agent's parallel-operation limit (reported by the service).</summary>
    Queued,

    /// <summary>Finding the tree: container, namespaces, cgroups, mounts.</summary>
    Resolving,

    /// <summary>Freezing the tree.</summary>
    Freezing,

    /// <summary>CRIU is dumping the tree.</summary>
    Dumping,

    /// <summary>Writing the manifest and committing the directory.</summary>
    Committing,
}
