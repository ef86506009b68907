namespace Cryo.Operator.RestoreSets;

/// <summary>How a copy of a RestoreSet stands, from its Restore and its pod.</summary>
public enum CopyState
{
    /// <summary>Counted: its pod waits for the placeholder, is being restored into, or restored but not Ready yet.</summary>
    Restoring,

    /// <summary>Counted: its pod is Ready on a restored run.</summary>
    Ready,

    /// <summary>Not counted: its Restore Failed. The set removes it and makes the next copy after a backoff delay.</summary>
    Failed,

    /// <summary>Not counted: its application or pod ended for good (ContainerEnded, PodNotFound, pod gone). The set removes and replaces it.</summary>
    Ended,
}
