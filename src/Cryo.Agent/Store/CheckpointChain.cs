using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;

namespace Cryo.Agent.Store;

/// <summary>
/// A checkpoint and the parents its images read from (CRIU's <c>parent</c> links), child first: what a restore
/// needs whole, and what every integrity check covers.
/// </summary>
public static class CheckpointChain
{
    /// <summary>Follows <see cref="ManifestIncrement.Parent"/> from <paramref name="checkpoint"/> to its full ancestor.</summary>
    /// <exception cref="CheckpointCorruptedException">A parent is gone, or an <c>images/parent</c> link does not lead to the recorded parent.</exception>
    /// <exception cref="InvalidManifestException">A manifest cannot be read.</exception>
    public static IReadOnlyList<StoredCheckpoint> Of(ImageStore store, StoredCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var chain = new List<StoredCheckpoint> { checkpoint };
        var current = checkpoint;
        var linkPath = StorePaths.ImagesDirectoryName + "/" + CriuImageFiles.ParentLink;
        while (current.Manifest.Increment is { } increment)
        {
            var expected = ManifestIncrement.ParentLinkTarget(increment.Parent);
            var link = new FileInfo(Path.Combine(current.ImagesDirectory, CriuImageFiles.ParentLink)).LinkTarget;
            if (link != expected)
            {
                throw new CheckpointCorruptedException(current.Key, linkPath, link is null ? CorruptionKind.Missing : CorruptionKind.InvalidEntry,
                    $"an increment of {increment.Parent} needs the link {linkPath} -> {expected}, found {link ?? "none"}");
            }

            var parent = store.Find(increment.Parent)
                ?? throw new CheckpointCorruptedException(current.Key, linkPath, CorruptionKind.Missing,
                    $"its parent checkpoint {increment.Parent} is not in the store");
            if (chain.Count >= ImageChain.MaxDepth)
            {
                throw new CheckpointCorruptedException(checkpoint.Key, linkPath, CorruptionKind.InvalidEntry,
                    $"the chain of parents is longer than {ImageChain.MaxDepth}, which CRIU does not follow");
            }

            chain.Add(parent);
            current = parent;
        }

        return chain;
    }

    /// <summary>The committed checkpoints of <paramref name="parent"/>'s namespace that are increments of it.</summary>
    public static IReadOnlyList<StoredCheckpoint> ChildrenOf(ImageStore store, CheckpointKey parent)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(parent);
        return [.. store.List(parent.Namespace).Where(candidate => candidate.Key != parent && ParentOf(candidate) == parent)];
    }

    // A checkpoint whose manifest this agent cannot read holds nothing it knows of.
    private static CheckpointKey? ParentOf(StoredCheckpoint candidate)
    {
        try
        {
            return candidate.Manifest.Increment?.Parent;
        }
        catch (CheckpointStoreException)
        {
            return null;
        }
    }
}
