using Cryo.Api;
using Cryo.Operator.Restores;

namespace Cryo.Operator.Configuration;

/// <summary>
/// The operator's settings, bound from the <c>Operator</c> configuration section (environment variables
/// <c>Operator__AgentPort</c>, <c>Operator__Tls__CertFile</c>, ...). Validated at start-up.
/// </summary>
public sealed class OperatorOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Operator";

    /// <summary>The agent's gRPC port, used when the agent pod declares no container port named <c>grpc</c>.</summary>
    public int AgentPort { get; set; } = 9443;

    /// <summary>Label selector of the agent pods (one per node).</summary>
    public string AgentLabelSelector { get; set; } = "app.kubernetes.io/component=agent";

    /// <summary>Namespace the agent DaemonSet runs in.</summary>
    public string AgentNamespace { get; set; } = "cryo-system";

    /// <summary>
    /// How restore pods get the placeholder program: <c>Csi</c>, a volume of the agent's CSI driver (no init container,
    /// one kubelet pass), or <c>InitContainer</c>, the fallback for clusters that cannot run the driver.
    /// </summary>
    public PlaceholderDelivery PlaceholderDelivery { get; set; } = PlaceholderDelivery.Csi;

    /// <summary>The CSI driver serving placeholder volumes (the chart's CSIDriver object), with <c>PlaceholderDelivery: Csi</c>.</summary>
    public string PlaceholderCsiDriver { get; set; } = CryoNames.PlaceholderCsiDriver;

    /// <summary>Image of the init container that delivers the placeholder program (the agent image), with <c>PlaceholderDelivery: InitContainer</c>.</summary>
    public string PlaceholderImage { get; set; } = "cryo/agent:latest";

    /// <summary>Parallel reconcile passes per kind (each key has at most one at a time).</summary>
    public int Workers { get; set; } = 8;

    /// <summary>Every object is reconciled again at least this often.</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First retry delay after a failed pass; doubles per failure.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest retry delay.</summary>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Server-side timeout of each watch request; the watch is reopened from its resourceVersion after it.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Added to a Checkpoint's timeoutSeconds to form the deadline of the agent call.</summary>
    public TimeSpan AgentDeadlineMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline of a Restore call to the agent.</summary>
    public TimeSpan RestoreTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Deadline of short agent calls (delete, node info).</summary>
    public TimeSpan ShortCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Deadline of a pull of a Checkpoint to the restoring node's agent (<c>AgentService.PullCheckpoint</c>); a pull
    /// cut off by it is resumed by the next from what verified.
    /// </summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long the outcome of a finished pull waits for a Restore's pass to take it before it is dropped (its Restore
    /// deleted, or moved to another node, meanwhile).
    /// </summary>
    public TimeSpan TransferResultKeptFor { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long the deletion of a Checkpoint waits for the agent of a node holding a pulled copy (none running there, or
    /// unreachable) before it skips that copy with a Warning Event: a node's agent gone for good must not hold the
    /// Checkpoint forever.
    /// </summary>
    public TimeSpan CopyDeletionPatience { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a Restore whose Checkpoint is being pulled is looked at again, to show the pull's progress in its status.</summary>
    public TimeSpan TransferRecheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a Restore waiting for its placeholder is looked at again without a pod event.</summary>
    public TimeSpan PlaceholderRecheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many times in a row a restore into the restarted container of a newPod Restore may fail transiently
    /// (agent unreachable, timed out, out of space) before the Restore Fails. Attempts are spaced by the retry
    /// backoff, so the default of 10 spans about eight and a half minutes with the default backoff.
    /// </summary>
    public int RerestoreMaxAttempts { get; set; } = 10;

    /// <summary>
    /// Percent of a node's checkpoint store in use at which each new checkpoint there gets a <c>StoreNearlyFull</c>
    /// Warning Event (1-100; 0 turns the alarm off). The metric <c>cryo_operator_store_used_ratio</c> is set either way.
    /// </summary>
    public int StoreCapacityAlarmPercent { get; set; } = 80;

    /// <summary>Leader election on a coordination.k8s.io Lease.</summary>
    public LeaderElectionOptions LeaderElection { get; set; } = new();

    /// <summary>Mutual TLS towards the agents.</summary>
    public AgentTlsOptions Tls { get; set; } = new();
}
