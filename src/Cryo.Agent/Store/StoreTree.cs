using System.IO.Enumeration;

namespace Cryo.Agent.Store;

/// <summary>
/// Walks a checkpoint's tree without following symbolic links: an increment's <c>images/parent</c> links to its
/// parent's images, whose files are the parent's, not the child's (.NET's recursive enumeration descends into
/// linked directories unless told not to).
/// </summary>
internal static class StoreTree
{
    /// <summary>Every entry under <paramref name="root"/> (links listed, never entered), hidden ones included.</summary>
    public static IEnumerable<FileSystemInfo> Entries(string root) =>
        new FileSystemEnumerable<FileSystemInfo>(root, (ref FileSystemEntry entry) => entry.ToFileSystemInfo(),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
        {
            ShouldRecursePredicate = (ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) == 0,
        };

    /// <summary>The regular files under <paramref name="root"/>, not those behind links.</summary>
    public static IEnumerable<FileInfo> Files(string root) =>
        Entries(root).OfType<FileInfo>().Where(file => file.LinkTarget is null);

    /// <summary>The directories under <paramref name="root"/>, not links to directories.</summary>
    public static IEnumerable<DirectoryInfo> Directories(string root) =>
        Entries(root).OfType<DirectoryInfo>().Where(directory => directory.LinkTarget is null);
}
