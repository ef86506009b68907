namespace Cryo.Operator.Restores;

/// <summary>What became of the container a newPod Restore restored into, as its pod's status shows it.</summary>
public enum RestoredContainerState
{
    /// <summary>
    /// Nothing to do: the run restored into is still the current one, or it ended and the kubelet has not
    /// started the next run yet (a pod event comes when it does).
    /// </summary>
    Unchanged,

    /// <summary>The kubelet restarted the container and the new run, a fresh placeholder, is running: restore into it.</summary>
    Restarted,

    /// <summary>The container ended and will not run again (the pod ended, or its restartPolicy does not restart it).</summary>
    Ended,
}
