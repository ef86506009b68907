namespace Cryo.Agent.Store.Manifest;

/// <summary>
/// The full images CRIU wrote for an increment, kept beside it in <c>flat/</c>: the pagemaps and pages images the rewrite
/// replaced, which with the increment's other images are a flat copy of the whole chain as it was at this checkpoint. A
/// restore reads them instead of the chain (CRIU then reads pages as from a full checkpoint, with its restorer, not run by
/// run through every <c>parent</c> link). A cache, not part of the checkpoint: the agent removes the directory when a newer
/// increment of the chain commits or the volume runs short of space, and a restore that finds it gone reads the chain.
/// The record stays in the manifest, which is never rewritten after commit; whether the copy is still kept is whether
/// <c>flat/</c> is there.
/// </summary>
public sealed class ManifestFlatCopy
{
    /// <summary>The directory of the copy, inside the checkpoint directory.</summary>
    public const string DirectoryName = "flat";

    /// <summary>
    /// The copy's files (paths <c>flat/NAME</c>, NAME a pagemap or pages image of <c>images/</c> as CRIU wrote it) with the
    /// digests made while CRIU wrote them, so a restore from the copy verifies what it hands CRIU as any restore does.
    /// </summary>
    public List<ManifestFile> Files { get; set; } = [];

    /// <summary>
    /// Names of <c>images/</c> files a restore from the copy does not read: the increment's own pages images (its pagemaps
    /// are replaced by the copy's of the same name).
    /// </summary>
    public List<string> Supersedes { get; set; } = [];

    /// <summary>Bytes the copy takes on the volume beside the increment while it is kept (not in <c>storedBytes</c>).</summary>
    public long Bytes => Files.Sum(file => file.Size);

    /// <summary>Whether <paramref name="imagesFileName"/> of <c>images/</c> is read from the copy, or not at all, when restoring from it.</summary>
    public bool Replaces(string imagesFileName) =>
        Supersedes.Contains(imagesFileName, StringComparer.Ordinal) || Files.Any(file => Path.GetFileName(file.Path) == imagesFileName);
}
