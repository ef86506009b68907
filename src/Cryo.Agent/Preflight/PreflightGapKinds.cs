namespace Cryo.Agent.Preflight;

/// <summary>The kinds of <see cref="PreflightGap"/>, as the API names them.</summary>
public static class PreflightGapKinds
{
    /// <summary>CRIU is missing here or fails its own check.</summary>
    public const string Criu = "criu";

    /// <summary>This node's CRIU is older than the one that dumped the checkpoint.</summary>
    public const string CriuVersion = "criu_version";

    /// <summary>This node's kernel is older than the one the checkpoint was taken on.</summary>
    public const string Kernel = "kernel";

    /// <summary>A CRIU or kernel feature the restore needs is unavailable here.</summary>
    public const string Feature = "feature";

    /// <summary>This CPU lacks instruction sets (or FPU state) the source CPU had.</summary>
    public const string Cpu = "cpu";

    /// <summary>The workload's image is not on this node, and its imagePullPolicy (Never) forbids pulling it.</summary>
    public const string Image = "image";
}
