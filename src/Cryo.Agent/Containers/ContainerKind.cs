namespace Cryo.Agent.Containers;

/// <summary>How much of a container a resolved process tree is; it decides what CRIU must dump.</summary>
public enum ContainerKind
{
    /// <summary>Its own PID and mount namespaces (and usually net/UTS/IPC): a real container.</summary>
    FullContainer,

    /// <summary>Its own PID namespace, but the agent's mount namespace (e.g. <c>setsid unshare -p -f CMD</c>).</summary>
    PlainProcessInOwnPidNamespace,

    /// <summary>The agent's PID namespace: an ordinary process tree.</summary>
    PlainProcess,
}
