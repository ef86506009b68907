using Cryo.Api;

namespace Cryo.Operator.Schedules;

/// <summary>A finished Checkpoint a schedule no longer keeps, and why.</summary>
/// <param name="Checkpoint">The Checkpoint.</param>
/// <param name="Reason">The metric label: <c>history_limit</c> or <c>max_age</c>.</param>
/// <param name="Why">What the Event says.</param>
public sealed record PrunedCheckpoint(Checkpoint Checkpoint, string Reason, string Why);
