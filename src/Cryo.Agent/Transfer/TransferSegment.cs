namespace Cryo.Agent.Transfer;

/// <summary>
/// Consecutive units of a checkpoint that one stream fetches (<c>start_path</c>, <c>start_offset</c>,
/// <c>length</c>): the pull splits what it lacks into segments and its streams take them one at a time.
/// Only one stream works on a segment at once; <see cref="Next"/> moves past each unit as it verifies.
/// </summary>
internal sealed class TransferSegment(IReadOnlyList<TransferUnit> units)
{
    /// <summary>The units, in the order the source sends them.</summary>
    public IReadOnlyList<TransferUnit> Units { get; } = units.Count > 0 ? units : throw new ArgumentException("a segment holds at least one unit", nameof(units));

    /// <summary>How many units from the start have verified.</summary>
    public int Next { get; private set; }

    /// <summary>Every unit verified.</summary>
    public bool IsComplete => Next == Units.Count;

    /// <summary>The first unit not yet verified.</summary>
    public TransferUnit Current => Units[Next];

    /// <summary>Where a stream for the rest of the segment starts.</summary>
    public ResumePoint ResumePoint => new(Current.Path, Current.Range.Offset);

    /// <summary>File bytes the rest of the segment holds: the request's <c>length</c>.</summary>
    public long RemainingBytes => Units.Skip(Next).Sum(u => u.Range.Length);

    /// <summary>The current unit verified.</summary>
    public void Advance() => Next++;
}
