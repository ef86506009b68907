using Cryo.Api;
using Cryo.Operator.Queue;
using Cryo.Operator.Reconciling;
using k8s;
using k8s.Models;

namespace Cryo.Operator.Hosting;

/// <summary>
/// The watch events that concern Migrations: a Migration created, or whose deletion state changed (its spec is
/// immutable, its status the operator's own), and any change of a Checkpoint or Restore a Migration controls (its
/// final checkpoint, its restores), which moves the migration on.
/// </summary>
public sealed class MigrationEventRouter(WorkQueue migrationQueue)
{
    /// <summary>A Migration changed.</summary>
    public void OnMigration(WatchEventType type, Migration migration, Migration? previous)
    {
        if (type is not WatchEventType.Modified || previous is null ||
            migration.Metadata.Generation != previous.Metadata.Generation ||
            (migration.Metadata.DeletionTimestamp is null) != (previous.Metadata.DeletionTimestamp is null))
        {
            migrationQueue.Add(new ObjectKey(migration.Metadata.NamespaceProperty, migration.Metadata.Name));
        }
    }

    /// <summary>A Checkpoint changed.</summary>
    public void OnCheckpoint(WatchEventType type, Checkpoint checkpoint, Checkpoint? previous) => OnOwned(checkpoint.Metadata);

    /// <summary>A Restore changed.</summary>
    public void OnRestore(WatchEventType type, Restore restore, Restore? previous) => OnOwned(restore.Metadata);

    private void OnOwned(V1ObjectMeta metadata)
    {
        if (Ownership.ControllerOf(metadata) is { Kind: Migration.KindName, ApiVersion: CryoNames.ApiVersion } owner)
        {
            migrationQueue.Add(new ObjectKey(metadata.NamespaceProperty, owner.Name));
        }
    }
}
