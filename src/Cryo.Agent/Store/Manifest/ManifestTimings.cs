namespace Cryo.Agent.Store.Manifest;

/// <summary>How long a checkpoint took, in milliseconds.</summary>
public sealed class ManifestTimings
{
    /// <summary>Time the tree was frozen.</summary>
    public double FreezeMs { get; set; }

    /// <summary>Time <c>criu dump</c> ran.</summary>
    public double DumpMs { get; set; }

    /// <summary>Time of the whole checkpoint, commit included.</summary>
    public double TotalMs { get; set; }
}
