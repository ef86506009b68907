using System.Globalization;
using Cryo.Api;
using Cryo.Contracts.Agent.V1;
using Cryo.Operator.Configuration;
using Cryo.Operator.KubernetesApi;
using Cryo.Operator.Metrics;
using Microsoft.Extensions.Options;
using ApiCheckpoint = Cryo.Api.Checkpoint;

namespace Cryo.Operator.Checkpoints;

/// <summary>
/// Warns before a node's checkpoint volume fills up. After each checkpoint the agent reports its store's size and
/// free space; this sets <c>cryo_operator_store_used_ratio{node}</c> and, while the store is at or above
/// <see cref="OperatorOptions.StoreCapacityAlarmPercent"/>, records a <c>StoreNearlyFull</c> Warning on the
/// Checkpoint that was just written, saying how to make room. A store only fills when something writes to it, so
/// looking after each commit catches every crossing that Cryo causes without polling the agents.
/// </summary>
public sealed class StoreCapacityAlarm(EventRecorder events, OperatorMetrics metrics, IOptions<OperatorOptions> options)
{
    /// <summary>Records the store's use on <paramref name="nodeName"/> and warns on <paramref name="checkpoint"/> when it is too full.</summary>
    /// <returns>The Warning's message, or null when the store is below the alarm (or the agent did not say).</returns>
    public async Task<string?> CheckAsync(ApiCheckpoint checkpoint, string nodeName, StoreSpace? space, CancellationToken cancellationToken)
    {
        if (space is not { CapacityBytes: > 0 })
        {
            return null;
        }

        var used = Math.Max(0, space.CapacityBytes - space.AvailableBytes);
        var ratio = (double)used / space.CapacityBytes;
        metrics.StoreUsedRatio.WithLabels(nodeName).Set(ratio);
        var alarm = options.Value.StoreCapacityAlarmPercent;
        if (alarm == 0 || ratio * 100 < alarm)
        {
            return null;
        }

        var figures = string.Create(CultureInfo.InvariantCulture,
            $"the checkpoint store on node {nodeName} is {ratio * 100:0}% full ({Gib(used)} GiB used of {Gib(space.CapacityBytes)} GiB, alarm at {alarm}%)");
        var message = figures + ": delete Checkpoints you no longer need, set ttlSecondsAfterFinished or a CheckpointSchedule's history limits, or grow the volume";
        await events.WarningAsync(checkpoint, ConditionReasons.StoreNearlyFull, message, cancellationToken);
        return message;
    }

    private static string Gib(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture);
}
