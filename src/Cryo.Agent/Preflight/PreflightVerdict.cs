namespace Cryo.Agent.Preflight;

/// <summary>Whether this node can restore a checkpoint.</summary>
/// <param name="Gaps">Every reason it cannot; none means it can.</param>
/// <param name="Unchecked">What was not checked, and why.</param>
/// <param name="CriuVersion">This node's CRIU version, as compared.</param>
/// <param name="KernelRelease">This node's kernel release, as compared.</param>
public sealed record PreflightVerdict(IReadOnlyList<PreflightGap> Gaps, IReadOnlyList<string> Unchecked, string CriuVersion, string KernelRelease)
{
    /// <summary>True when no gap was found.</summary>
    public bool CanRestore => Gaps.Count == 0;
}
