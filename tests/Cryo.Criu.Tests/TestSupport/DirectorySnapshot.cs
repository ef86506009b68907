using System.Security.Cryptography;

namespace Cryo.Criu.Tests.TestSupport;

/// <summary>What a directory holds: each entry's name and its content hash (or link target), to prove nothing changed.</summary>
internal static class DirectorySnapshot
{
    public static SortedDictionary<string, string> Take(string directory)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(directory))
        {
            var info = new FileInfo(path);
            entries[Path.GetFileName(path)] = info.LinkTarget is { } target
                ? "-> " + target
                : Directory.Exists(path) ? "dir" : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }
        return entries;
    }
}
