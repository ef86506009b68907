using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// Finishes an increment CRIU made with its own memory tracking (<c>--prev-images-dir</c>): CRIU linked the parent
/// as seen from the temporary directory it wrote into; the link must lead there from the committed checkpoint.
/// </summary>
internal static class CriuIncrement
{
    /// <summary>Points <c>images/parent</c> at the parent as seen from the committed checkpoint; returns the manifest's record.</summary>
    public static ManifestIncrement Relink(PendingCheckpoint pending, IncrementPlan plan)
    {
        var link = Path.Combine(pending.ImagesDirectory, CriuImageFiles.ParentLink);
        if (new FileInfo(link).LinkTarget is null)
        {
            throw new CheckpointStoreException($"checkpoint {pending.Key}: CRIU dumped against {plan.Parent} but made no {CriuImageFiles.ParentLink} link");
        }

        pending.LinkParent(plan.Parent.Key);
        return new ManifestIncrement
        {
            Method = ManifestIncrement.CriuMemoryTracking,
            Parent = plan.Parent.Key,
            ChainLength = plan.ChainLength,
        };
    }
}
