namespace Cryo.Api;

/// <summary>The values of a Migration's <c>spec.mode</c>: how long the workload is stopped.</summary>
public static class MigrationMode
{
    /// <summary>One checkpoint with the workload stopped, its transfer and the restore: stopped throughout.</summary>
    public const string StopAndCopy = "stopAndCopy";

    /// <summary>
    /// A live checkpoint first, transferred while the workload runs; then a final checkpoint with the workload stopped,
    /// an increment of the first that carries only what changed: stopped only for the final dump, its transfer and the restore.
    /// </summary>
    public const string Precopy = "precopy";
}
