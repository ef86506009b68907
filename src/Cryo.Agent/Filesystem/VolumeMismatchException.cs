using Cryo.Agent.Operations;

namespace Cryo.Agent.Filesystem;

/// <summary>
/// The target's volumes do not hold the files the checkpointed workload had open, as they were: CRIU would
/// fail (or, for same-size changes, restore a process onto different data). Names every file that differs.
/// </summary>
public sealed class VolumeMismatchException : AgentException
{
    /// <summary>Creates the exception listing every file that differs.</summary>
    public VolumeMismatchException(IReadOnlyList<VolumeMismatch> mismatches)
        : base("the target's volumes differ from the checkpoint for open file(s): " +
               string.Join("; ", mismatches.Select(m => $"{m.ContainerPath}: {m.Difference}")))
    {
        Mismatches = mismatches;
    }

    /// <summary>Every file that differs, in the order of the records.</summary>
    public IReadOnlyList<VolumeMismatch> Mismatches { get; }
}
