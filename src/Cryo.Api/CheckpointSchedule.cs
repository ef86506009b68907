using k8s;
using k8s.Models;

namespace Cryo.Api;

/// <summary>
/// Takes Checkpoints of a pod's container (or of every running pod a selector matches) on a cron schedule or at an
/// interval, and deletes the oldest finished ones beyond its history limits.
/// </summary>
/// <remarks>Its spec: What to checkpoint, when, and how many to keep.</remarks>
[KubernetesEntity(Group = CryoNames.Group, ApiVersion = CryoNames.Version, Kind = KindName, PluralName = Plural)]
public sealed class CheckpointSchedule() : CryoResource<CheckpointScheduleSpec, CheckpointScheduleStatus>(KindName)
{
    /// <summary>The kind.</summary>
    public const string KindName = "CheckpointSchedule";

    /// <summary>The plural resource name.</summary>
    public const string Plural = "checkpointschedules";

    /// <summary>
    /// The longest name a schedule may have: its name is the value of the <see cref="CryoNames.ScheduleLabel"/> label
    /// on its Checkpoints, and label values are at most 63 characters.
    /// </summary>
    public const int MaxNameLength = 63;
}
