namespace Cryo.Agent.Filesystem;

/// <summary>One of the two passes of a <see cref="LayerSplit"/>: which archive entries it applies.</summary>
public sealed class LayerPass
{
    private readonly LayerSplit split;

    internal LayerPass(LayerSplit split, bool first)
    {
        this.split = split;
        IsFirst = first;
    }

    /// <summary>Whether this is the pass before CRIU opens files.</summary>
    public bool IsFirst { get; }

    /// <summary>
    /// Whether this pass applies an entry about <paramref name="subject"/> (the path it writes, deletes or empties, as
    /// "/a/b"). The second pass visits every directory again, existing ones included, so that the times of those the
    /// first pass wrote into are set last.
    /// </summary>
    internal bool Includes(string subject, bool isDirectory) =>
        IsFirst ? split.IsEarly(subject) : isDirectory || !split.IsEarly(subject);

    /// <summary>
    /// Whether the names of <paramref name="archivePath"/> were all checked by the first pass already: the second then reads
    /// the archive once, not twice (the checkpoint's archive does not change between the passes).
    /// </summary>
    internal bool NamesCheckedBefore(string archivePath) => !IsFirst && split.NamesChecked(archivePath);

    /// <summary>Records that every name of <paramref name="archivePath"/> passed the check, before this pass wrote anything.</summary>
    internal void CheckedNames(string archivePath)
    {
        if (IsFirst)
        {
            split.CheckedNames(archivePath);
        }
    }

    /// <summary>A hard link the first pass applies needs the file it names applied first too.</summary>
    internal void NeedLinkTarget(string subject, string linkTarget)
    {
        if (IsFirst && split.IsEarly(subject))
        {
            split.Need(linkTarget);
        }
    }
}
