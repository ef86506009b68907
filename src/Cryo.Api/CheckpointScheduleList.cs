namespace Cryo.Api;

/// <summary>A list of CheckpointSchedules as the API server returns it.</summary>
public sealed class CheckpointScheduleList() : CryoResourceList<CheckpointSchedule>("CheckpointScheduleList");
