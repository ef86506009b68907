namespace Cryo.Agent.Operations;

/// <summary>What a delete did.</summary>
/// <param name="Deleted">True when a checkpoint was removed; false when there was none.</param>
/// <param name="FreedBytes">Bytes freed.</param>
public sealed record DeleteOutcome(bool Deleted, long FreedBytes);
