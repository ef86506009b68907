namespace Cryo.Api;

/// <summary>
/// How a CheckpointSchedule's Checkpoints checkpoint: the options of <see cref="CheckpointSpec"/> they carry. With
/// <see cref="CheckpointSettings.ParentCheckpoint"/> set to <see cref="CheckpointSettings.AutoParent"/> each is an
/// increment of the schedule's previous one.
/// </summary>
public sealed class CheckpointTemplate : CheckpointSettings;
