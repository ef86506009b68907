namespace Cryo.Operator.Configuration;

/// <summary>Leader election: only the replica holding the Lease watches and reconciles.</summary>
public sealed class LeaderElectionOptions
{
    /// <summary>Elect a leader; must be on when more than one replica runs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Name of the Lease.</summary>
    public string LeaseName { get; set; } = "cryo-operator";

    /// <summary>Namespace of the Lease.</summary>
    public string LeaseNamespace { get; set; } = "cryo-system";

    /// <summary>This replica's identity (the pod name); defaults to the host name.</summary>
    public string Identity { get; set; } = Environment.MachineName;

    /// <summary>How long a Lease stays valid without renewal.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leadership.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire and the leader renews.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
