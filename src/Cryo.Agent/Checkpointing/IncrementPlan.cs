using Cryo.Agent.Operations;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// How a checkpoint with a parent is made: the parent found in the store, and the method — CRIU's own memory
/// tracking where the kernel has soft-dirty (<c>criu check --feature mem_dirty_track</c>), else by content (a full
/// dump rewritten against the parent's page index before commit). Both give CRIU's incremental form.
/// </summary>
/// <param name="Parent">The parent checkpoint.</param>
/// <param name="Method"><see cref="ManifestIncrement.ContentBased"/> or <see cref="ManifestIncrement.CriuMemoryTracking"/>.</param>
/// <param name="ChainLength">Checkpoints a restore of the new one reads, itself included.</param>
public sealed record IncrementPlan(StoredCheckpoint Parent, string Method, int ChainLength)
{
    /// <summary>The longest chain Cryo makes: CRIU follows at most <see cref="ImageChain.MaxDepth"/> links, and a restore reads every level.</summary>
    public const int MaxChainLength = 64;

    /// <summary>The plan for <paramref name="command"/>, or null when it names no parent.</summary>
    /// <exception cref="CheckpointNotFoundException">No committed checkpoint of that name in the namespace.</exception>
    /// <exception cref="InvalidRequestException">The parent's chain is already as long as Cryo makes them.</exception>
    public static IncrementPlan? For(ImageStore store, CheckpointCommand command, bool memoryTracking)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(command);
        if (command.ParentCheckpoint is not { } name)
        {
            return null;
        }

        var parent = store.FindByName(command.Namespace, name).OrderByDescending(c => c.Manifest.CreatedAt).FirstOrDefault()
            ?? throw new CheckpointNotFoundException(command.Namespace, name,
                $"checkpoint {command.Namespace}/{command.Name} names parent {name}, which does not exist in the store: take a full checkpoint, or name a Succeeded one");
        var length = (parent.Manifest.Increment?.ChainLength ?? 1) + 1;
        if (length > MaxChainLength)
        {
            throw new InvalidRequestException("parent_checkpoint",
                $"parent {name} ends a chain of {length - 1} checkpoints, the most Cryo builds on: take a full checkpoint to start a new chain");
        }

        return new IncrementPlan(parent, memoryTracking ? ManifestIncrement.CriuMemoryTracking : ManifestIncrement.ContentBased, length);
    }
}
