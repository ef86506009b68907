using Cryo.Criu.Stats;

namespace Cryo.Agent.Checkpointing;

/// <summary>What one CRIU dump run reported.</summary>
/// <param name="Duration">Wall time of the CRIU run.</param>
/// <param name="Statistics">CRIU's own counters (<c>stats-dump</c>), when it wrote them.</param>
public sealed record DumpResult(TimeSpan Duration, DumpStatistics? Statistics);
