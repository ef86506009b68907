using Cryo.Agent.Store;
using Cryo.Criu.Images;

namespace Cryo.Agent.Restoring;

/// <summary>
/// Fills a directory CRIU restores from with hard links to a checkpoint's images, for the restores that give CRIU other
/// pagemaps and pages images than the stored ones (a kept flat copy, a chain written out whole) beside the rest as stored.
/// </summary>
internal static class ImageLinks
{
    /// <summary>
    /// Links every image of <paramref name="imagesDirectory"/> into <paramref name="target"/> but the <c>parent</c> link
    /// (CRIU is to see a full checkpoint) and those <paramref name="skip"/> names.
    /// </summary>
    public static void LinkAllBut(string imagesDirectory, string target, Func<string, bool> skip)
    {
        foreach (var source in Directory.EnumerateFiles(imagesDirectory))
        {
            var name = Path.GetFileName(source);
            // A hard link, not a symbolic one: CRIU opens some images after it has moved into the restored tree's root.
            if (name != CriuImageFiles.ParentLink && !skip(name))
            {
                Filesystem.NativeMethods.HardLink(source, Path.Combine(target, name));
            }
        }
    }
}
