namespace Cryo.Agent.Containers;

/// <summary>Why a container could not be resolved; callers branch on this, never on message text.</summary>
public enum ResolutionFailure
{
    /// <summary>No process matches the PID or container ID.</summary>
    NotFound,

    /// <summary>The container ID has characters other than hex digits, or is shorter than 12 or longer than 64.</summary>
    InvalidContainerId,

    /// <summary>A container ID prefix matches more than one container.</summary>
    AmbiguousContainerId,

    /// <summary>The container's processes form more than one tree and none of them is the PID namespace's init.</summary>
    AmbiguousRoot,

    /// <summary>What /proc shows cannot be used (unreadable or inconsistent).</summary>
    Unreadable,
}
