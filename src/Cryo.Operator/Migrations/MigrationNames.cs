using Cryo.Api;

namespace Cryo.Operator.Migrations;

/// <summary>The names of what a Migration creates, derived from its own name and the original pod's, so a pass run twice finds them.</summary>
public static class MigrationNames
{
    private const int MaxName = 253;

    /// <summary>The final checkpoint: the Migration's name.</summary>
    public static string Checkpoint(Migration migration) => migration.Metadata.Name;

    /// <summary>precopy: the live checkpoint transferred while the workload runs.</summary>
    public static string PrecopyCheckpoint(Migration migration) => Limit($"{migration.Metadata.Name}-live");

    /// <summary>The restore on the target node: the Migration's name.</summary>
    public static string Restore(Migration migration) => migration.Metadata.Name;

    /// <summary>The restore back on the source node after the target's failed.</summary>
    public static string FallbackRestore(Migration migration) => Limit($"{migration.Metadata.Name}-in-place");

    /// <summary>The new pod on the target: the original's name and the target node's (<c>web-7f9c → web-7f9c-node-2</c>).</summary>
    public static string TargetPod(Migration migration, string targetNode) => Limit($"{migration.Spec.PodName}-{targetNode}");

    /// <summary>The pod of the restore back on the source node.</summary>
    public static string FallbackPod(Migration migration) => Limit($"{migration.Spec.PodName}-{migration.Metadata.Name}-in-place");

    private static string Limit(string name) => name.Length <= MaxName ? name : name[..MaxName].TrimEnd('-', '.');
}
