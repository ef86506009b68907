using System.Text.Json;
using Cryo.Agent.Grpc;
using Grpc.Core;
using Prometheus;

namespace Cryo.Agent.Metrics;

/// <summary>
/// The agent's Prometheus instruments, created from the registry this app instance owns (never the
/// static default, so tests running several agents see only their own). Labels stay low-cardinality:
/// operation kind and result code, never a pod or checkpoint name.
/// </summary>
public sealed class AgentMetrics
{
    private static readonly double[] StageBuckets = Histogram.ExponentialBuckets(0.005, 2, 16);

    private readonly Counter operations;
    private readonly Histogram operationSeconds;
    private readonly Histogram freezeSeconds;
    private readonly Histogram dumpSeconds;
    private readonly Histogram restoreSeconds;
    private readonly Counter bytesWritten;
    private readonly Gauge checkpointsStored;
    private readonly Gauge operationsInFlight;
    private readonly Gauge storeCapacityBytes;
    private readonly Gauge storeAvailableBytes;
    private readonly Counter lazyPagesLost;
    private readonly Counter transferBytes;
    private readonly Counter pulls;

    /// <summary>Creates the instruments in <paramref name="registry"/>.</summary>
    public AgentMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        operations = factory.CreateCounter("cryo_agent_operations_total",
            "Checkpoint, restore and delete operations run by the agent, by kind and result (a gRPC status code name, ok on success).",
            new CounterConfiguration { LabelNames = ["kind", "result"] });
        operationSeconds = factory.CreateHistogram("cryo_agent_operation_duration_seconds",
            "Wall-clock time of operations, queueing excluded, by kind.",
            new HistogramConfiguration { LabelNames = ["kind"], Buckets = StageBuckets });
        freezeSeconds = factory.CreateHistogram("cryo_agent_checkpoint_freeze_seconds",
            "Time a checkpointed tree was frozen.", new HistogramConfiguration { Buckets = StageBuckets });
        dumpSeconds = factory.CreateHistogram("cryo_agent_checkpoint_dump_seconds",
            "Time CRIU's dump took.", new HistogramConfiguration { Buckets = StageBuckets });
        restoreSeconds = factory.CreateHistogram("cryo_agent_restore_seconds",
            "Time CRIU's restore took.", new HistogramConfiguration { Buckets = StageBuckets });
        bytesWritten = factory.CreateCounter("cryo_agent_checkpoint_bytes_written_total",
            "Bytes of committed checkpoints written to the store.");
        checkpointsStored = factory.CreateGauge("cryo_agent_checkpoints_stored",
            "Committed checkpoints in the store (counted at scrape time).");
        operationsInFlight = factory.CreateGauge("cryo_agent_operations_in_flight",
            "Operations running or waiting for a slot.");
        storeCapacityBytes = factory.CreateGauge("cryo_agent_store_capacity_bytes",
            "Size of the filesystem holding the checkpoint store (read at scrape time).");
        storeAvailableBytes = factory.CreateGauge("cryo_agent_store_available_bytes",
            "Bytes still available to the agent on the store's filesystem (read at scrape time); alert on it beside capacity.");
        transferBytes = factory.CreateCounter("cryo_agent_transfer_bytes_total",
            "Checkpoint file bytes moved between agents: direction sent (served to a peer's pull) or received (pulled, verified or not).",
            new CounterConfiguration { LabelNames = ["direction"] });
        pulls = factory.CreateCounter("cryo_agent_pulls_total",
            "Checkpoint pulls from other agents, by result (a gRPC status code name, ok on success).",
            new CounterConfiguration { LabelNames = ["result"] });
        lazyPagesLost = factory.CreateCounter("cryo_agent_lazy_pages_lost_total",
            "Lazy restores whose page server ended before serving every page, so their restored tree was killed, by reason: "
            + "page_server_failed (criu lazy-pages ended with an error), page_server_gone (it vanished without a status), "
            + "before_running (it ended before the tree was running). Alert on any increase.",
            new CounterConfiguration { LabelNames = ["reason"] });
        foreach (var reason in Enum.GetValues<LazyPagesLoss>())
        {
            // Exported at 0 from the start, so an alert on increase() sees the first loss.
            lazyPagesLost.WithLabels(Label(reason.ToString()));
        }
    }

    /// <summary>Counts checkpoint bytes sent to a peer agent.</summary>
    public void TransferSent(long bytes) => transferBytes.WithLabels("sent").Inc(bytes);

    /// <summary>Counts one finished pull and the bytes it received.</summary>
    public void PullFinished(StatusCode result, long bytesReceived)
    {
        transferBytes.WithLabels("received").Inc(bytesReceived);
        pulls.WithLabels(result == StatusCode.OK ? "ok" : result.ToString()).Inc();
    }

    /// <summary>The registry the instruments live in (served at /metrics).</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Counts one finished operation.</summary>
    /// <param name="kind">Checkpoint, restore or delete.</param>
    /// <param name="result">The status code it ended with.</param>
    /// <param name="elapsed">How long it ran.</param>
    public void OperationFinished(OperationKind kind, StatusCode result, TimeSpan elapsed)
    {
        var label = Label(kind.ToString());
        operations.WithLabels(label, ResultLabel(result)).Inc();
        operationSeconds.WithLabels(label).Observe(elapsed.TotalSeconds);
    }

    /// <summary>Records a committed checkpoint's stage times and size.</summary>
    public void CheckpointCommitted(TimeSpan freeze, TimeSpan dump, long sizeBytes)
    {
        freezeSeconds.Observe(freeze.TotalSeconds);
        dumpSeconds.Observe(dump.TotalSeconds);
        bytesWritten.Inc(sizeBytes);
    }

    /// <summary>Records a restore's CRIU time.</summary>
    public void RestoreCompleted(TimeSpan restore) => restoreSeconds.Observe(restore.TotalSeconds);

    /// <summary>Counts a lazy transfer lost: its page server ended before serving every page, and the restored tree was killed.</summary>
    public void LazyPagesLost(LazyPagesLoss reason) => lazyPagesLost.WithLabels(Label(reason.ToString())).Inc();

    /// <summary>Sets the number of committed checkpoints in the store.</summary>
    public void SetCheckpointsStored(int count) => checkpointsStored.Set(count);

    /// <summary>Sets the store filesystem's size and free space.</summary>
    public void SetStoreSpace(Store.StoreSpace space)
    {
        storeCapacityBytes.Set(space.TotalBytes);
        storeAvailableBytes.Set(space.AvailableBytes);
    }

    /// <summary>Sets the number of operations running or queued.</summary>
    public void SetOperationsInFlight(int count) => operationsInFlight.Set(count);

    /// <summary>
    /// The <c>result</c> label for a status code: its canonical name in lowercase (<c>ok</c>, <c>invalid_argument</c>,
    /// <c>deadline_exceeded</c>, …), spelled as the operator spells the <c>code</c> labels of its agent calls.
    /// </summary>
    public static string ResultLabel(StatusCode code) => Label(code.ToString());

    private static string Label(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
