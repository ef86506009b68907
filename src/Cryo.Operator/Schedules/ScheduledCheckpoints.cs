using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cryo.Api;
using Cryo.Operator.Reconciling;
using k8s.Models;

namespace Cryo.Operator.Schedules;

/// <summary>
/// The Checkpoints a run of a CheckpointSchedule creates: named after the schedule and the run's scheduled time (so a
/// pass run twice creates one), owned by the schedule, labelled with its name, carrying the template's options.
/// </summary>
public static class ScheduledCheckpoints
{
    /// <summary>
    /// <c>&lt;schedule&gt;-&lt;unix time&gt;</c>, and for a selector <c>-&lt;8 hex digits of the pod name's SHA-256&gt;</c> more:
    /// one name per pod and run, whatever the pod's name is.
    /// </summary>
    public static string Name(CheckpointSchedule schedule, DateTimeOffset run, string? selectedPod)
    {
        var name = $"{schedule.Metadata.Name}-{run.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        return selectedPod is null ? name : $"{name}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(selectedPod)))[..8]}";
    }

    /// <summary>The Checkpoint of <paramref name="podName"/> for the run at <paramref name="run"/>.</summary>
    public static Checkpoint Build(CheckpointSchedule schedule, DateTimeOffset run, string podName, bool selected)
    {
        var spec = new CheckpointSpec { PodName = podName, ContainerName = schedule.Spec.ContainerName };
        (schedule.Spec.CheckpointTemplate ?? new CheckpointTemplate()).CopyTo(spec);
        return new Checkpoint
        {
            Metadata = new V1ObjectMeta
            {
                Name = Name(schedule, run, selected ? podName : null),
                NamespaceProperty = schedule.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>
                {
                    [CryoNames.ScheduleLabel] = schedule.Metadata.Name,
                    [CryoNames.TriggerLabel] = "schedule",
                },
                Annotations = new Dictionary<string, string>
                {
                    [CryoNames.ScheduledAtAnnotation] = run.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                },
                OwnerReferences = [Ownership.ControllerReference(schedule)],
            },
            Spec = spec,
        };
    }

    /// <summary>Whether <paramref name="checkpoint"/> was created by <paramref name="schedule"/> (its controller reference).</summary>
    public static bool IsOwnedBy(Checkpoint checkpoint, CheckpointSchedule schedule) =>
        checkpoint.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == schedule.Metadata.Uid) == true;

    /// <summary>The scheduled time of the run that created <paramref name="checkpoint"/>, else its creation time.</summary>
    public static DateTime ScheduledAt(Checkpoint checkpoint) =>
        checkpoint.Metadata.Annotations is { } annotations && annotations.TryGetValue(CryoNames.ScheduledAtAnnotation, out var text) &&
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : checkpoint.Metadata.CreationTimestamp ?? DateTime.MinValue;
}
