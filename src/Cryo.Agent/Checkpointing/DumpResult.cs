using Cryo.Criu.Stats;

namespace Cryo.Agent.Checkpointing;

/// <summary>What one CRIU dump run reported.</summary>
/// <param name="Duration">Wall time of the CRIU run.</param>
/// <param name="Statistics">CRIU's own counters (<c>stats-dump</c>), when it wrote them.</param>
/// <param name="Frozen">
/// How long the tree was stopped, from the engine's freeze to its thaw; null when CRIU stopped it (no
/// freezer, or a tree paused before the dump), whose statistics then say.
/// </param>
public sealed record DumpResult(TimeSpan Duration, DumpStatistics? Statistics, TimeSpan? Frozen = null);
