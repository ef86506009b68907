namespace Cryo.Agent.Recovery;

/// <summary>Outcomes of <see cref="NetworkLockRelease.ReleaseAsync"/>.</summary>
public enum NetworkLockReleaseStatus
{
    /// <summary>There was no lock to remove (CRIU removed it, or stopped before making it).</summary>
    NotLocked,

    /// <summary>The lock table was there and was removed, or sockets were taken out of repair mode, or both.</summary>
    Released,

    /// <summary>The network namespace no longer exists, and with it the lock.</summary>
    NamespaceGone,

    /// <summary>The lock may still be there; the detail says why and how to remove it by hand.</summary>
    Failed,
}
