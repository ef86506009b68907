using System.Text.Json;
using Grpc.Core;
using Prometheus;

namespace Cryo.Operator.Metrics;

/// <summary>
/// The operator's instruments, created in an injected registry so that each test (and each replica in a
/// test) has its own. Labels stay low-cardinality: kinds, results, phases, gRPC codes; never names. Result labels
/// are spelled as the agent spells its own: lowercase, <c>ok</c> or the gRPC status code in snake case.
/// </summary>
public sealed class OperatorMetrics
{
    private readonly Counter agentCalls;

    /// <summary>Creates the instruments in <paramref name="registry"/>.</summary>
    public OperatorMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        Reconciles = factory.CreateCounter("cryo_operator_reconciles_total", "Reconcile passes by kind and result (done, continue, wait, retry, error, cancelled).", "kind", "result");
        ReconcileDuration = factory.CreateHistogram("cryo_operator_reconcile_duration_seconds", "Duration of reconcile passes.",
            new HistogramConfiguration { LabelNames = ["kind"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        QueueDepth = factory.CreateGauge("cryo_operator_queue_depth", "Keys waiting in the work queue.", "kind");
        Objects = factory.CreateGauge("cryo_operator_objects", "Objects known to the operator by kind and phase.", "kind", "phase");
        agentCalls = factory.CreateCounter("cryo_operator_agent_calls_total",
            "Calls to node agents by method and result (a gRPC status code name, ok on success).", "method", "code");
        IsLeader = factory.CreateGauge("cryo_operator_is_leader", "1 while this replica holds the leader Lease.");
        WatchRestarts = factory.CreateCounter("cryo_operator_watch_restarts_total", "Watches reopened, by kind and cause (timeout, gone, error).", "kind", "cause");
        ScheduleRuns = factory.CreateCounter("cryo_operator_schedule_runs_total",
            "Runs of CheckpointSchedules by result (started, waiting, missed, no_pods).", "result");
        CheckpointsCreated = factory.CreateCounter("cryo_operator_checkpoints_created_total",
            "Checkpoints the operator created on its own, by trigger (schedule, eviction).", "trigger");
        ObjectsDeleted = factory.CreateCounter("cryo_operator_objects_deleted_total",
            "Objects the operator deleted on its own, by kind and reason (history_limit, max_age, replace, ttl).", "kind", "reason");
        RestoreSetCopiesCreated = factory.CreateCounter("cryo_operator_restoreset_copies_created_total",
            "Copies RestoreSets made, by where their pod came from (warm_pool: a pod started ahead, only a restore; new_pod).", "source");
        RestoreSetCopiesRemoved = factory.CreateCounter("cryo_operator_restoreset_copies_removed_total",
            "Copies RestoreSets removed, by cause (failed, ended, scaled_down).", "cause");
        CheckpointBytesStored = factory.CreateCounter("cryo_operator_checkpoint_stored_bytes_total",
            "Bytes Succeeded Checkpoints added to the checkpoint volumes, by kind (full, increment).", "kind");
        CheckpointBytesSaved = factory.CreateCounter("cryo_operator_checkpoint_saved_bytes_total",
            "Bytes Checkpoints did not store: what an increment's parents hold and what compression at rest saved (size minus stored bytes).");
        StoreUsedRatio = factory.CreateGauge("cryo_operator_store_used_ratio",
            "Fraction of each node's checkpoint store in use, as its agent reported it after the latest checkpoint there.", "node");
    }

    /// <summary>The registry the instruments live in (served on /metrics).</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Reconcile passes by kind and result.</summary>
    public Counter Reconciles { get; }

    /// <summary>Reconcile pass durations by kind.</summary>
    public Histogram ReconcileDuration { get; }

    /// <summary>Work queue depth by kind.</summary>
    public Gauge QueueDepth { get; }

    /// <summary>Known objects by kind and phase.</summary>
    public Gauge Objects { get; }

    /// <summary>1 on the leader.</summary>
    public Gauge IsLeader { get; }

    /// <summary>Reopened watches by kind and cause.</summary>
    public Counter WatchRestarts { get; }

    /// <summary>Runs of CheckpointSchedules by result.</summary>
    public Counter ScheduleRuns { get; }

    /// <summary>Checkpoints created by schedules and evictions.</summary>
    public Counter CheckpointsCreated { get; }

    /// <summary>Objects deleted by schedules' pruning, Replace and ttlSecondsAfterFinished.</summary>
    public Counter ObjectsDeleted { get; }

    /// <summary>Copies RestoreSets made, by source: <c>warm_pool</c> or <c>new_pod</c>.</summary>
    public Counter RestoreSetCopiesCreated { get; }

    /// <summary>Copies RestoreSets removed, by cause: <c>failed</c>, <c>ended</c> or <c>scaled_down</c>.</summary>
    public Counter RestoreSetCopiesRemoved { get; }

    /// <summary>Bytes Succeeded Checkpoints added to the volumes, by kind: <c>full</c> or <c>increment</c>.</summary>
    public Counter CheckpointBytesStored { get; }

    /// <summary>Bytes increments left to their parents instead of storing them again.</summary>
    public Counter CheckpointBytesSaved { get; }

    /// <summary>Used fraction of each node's checkpoint store (by node: one series per node running an agent).</summary>
    public Gauge StoreUsedRatio { get; }

    /// <summary>Counts one call to an agent that ended with <paramref name="code"/>.</summary>
    public void AgentCallFinished(string method, StatusCode code) => agentCalls.WithLabels(method, CodeLabel(code)).Inc();

    /// <summary>
    /// The label of a gRPC status code, as the agent's <c>cryo_agent_operations_total{result}</c> has it: <c>ok</c>,
    /// <c>unavailable</c>, <c>deadline_exceeded</c>, … (the code's canonical name, lowercase).
    /// </summary>
    public static string CodeLabel(StatusCode code) => JsonNamingPolicy.SnakeCaseLower.ConvertName(code.ToString());
}
