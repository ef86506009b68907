namespace Cryo.Api;

/// <summary>A list of Checkpoints as the API server returns it.</summary>
public sealed class CheckpointList() : CryoResourceList<Checkpoint>("CheckpointList");
