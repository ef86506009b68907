using System.Formats.Tar;
using Cryo.Agent.Filesystem;

namespace Cryo.Agent.Interop;

/// <summary>
/// Converts a container's writable layer between Cryo's archive (one PAX tar whose deletions are OCI whiteouts,
/// <c>.wh.NAME</c>, and opaque directories <c>.wh..wh..opq</c>) and the kubelet archive's pair: <c>rootfs-diff.tar</c>
/// with the added and changed files, and <c>deleted.files</c>, the JSON list of removed paths (CRI-O and containerd
/// extract the tar, then remove those paths).
/// </summary>
public static class LayerConversion
{
    /// <summary>
    /// Writes the files of Cryo's layer archive <paramref name="layerArchive"/> to <paramref name="diffArchive"/> and
    /// returns the paths its whiteouts delete (absolute, as <c>deleted.files</c> lists them). An opaque directory
    /// (replaced wholesale) has no counterpart in that layout: its entries are kept, and it is returned in
    /// <see cref="LayerExport.OpaqueDirectories"/> (what the image had there reappears on a runtime's restore).
    /// </summary>
    public static async Task<LayerExport> ToKubeletAsync(string layerArchive, string diffArchive, CancellationToken cancellationToken)
    {
        var deleted = new List<string>();
        var opaque = new List<string>();
        await using var input = File.OpenRead(layerArchive);
        await using var output = new FileStream(diffArchive, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        await using (var reader = new TarReader(input))
        await using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                var slash = entry.Name.LastIndexOf('/');
                var directory = slash < 0 ? string.Empty : entry.Name[..slash];
                var name = entry.Name[(slash + 1)..];
                if (name == LayerArchiveFormat.OpaqueMarker)
                {
                    opaque.Add("/" + directory);
                }
                else if (name.StartsWith(LayerArchiveFormat.WhiteoutPrefix, StringComparison.Ordinal))
                {
                    deleted.Add("/" + (directory.Length > 0 ? directory + "/" : string.Empty) + name[LayerArchiveFormat.WhiteoutPrefix.Length..]);
                }
                else
                {
                    await writer.WriteEntryAsync(entry, cancellationToken);
                }
            }
        }

        return new LayerExport(deleted, opaque);
    }

    /// <summary>
    /// Writes Cryo's layer archive <paramref name="layerArchive"/> from a kubelet archive's <c>rootfs-diff.tar</c>
    /// (<paramref name="diffArchive"/>, null when the archive had none) and <c>deleted.files</c>: the files first,
    /// then one whiteout per deleted path, the order in which the runtimes apply them. Names are made relative
    /// (a leading <c>/</c> or <c>./</c> dropped).
    /// </summary>
    /// <exception cref="ArchiveInvalidException">A name climbs out of the root ("..") or deletes the root itself.</exception>
    public static async Task<int> FromKubeletAsync(string? diffArchive, IReadOnlyList<string> deletedFiles, string layerArchive, CancellationToken cancellationToken)
    {
        var entries = 0;
        await using var output = new FileStream(layerArchive, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        if (diffArchive is not null)
        {
            await using var input = File.OpenRead(diffArchive);
            await using var reader = new TarReader(input);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                var relative = Relative(KubeletArchiveLayout.RootfsDiff, entry.Name);
                if (relative.Length == 0)
                {
                    continue; // the root directory itself: its metadata belongs to the target
                }

                var converted = entry is PaxTarEntry pax ? pax : new PaxTarEntry(entry);
                converted.Name = entry.EntryType == TarEntryType.Directory ? relative + "/" : relative;
                if (entry.EntryType == TarEntryType.HardLink)
                {
                    converted.LinkName = Relative(KubeletArchiveLayout.RootfsDiff, entry.LinkName);
                }

                await writer.WriteEntryAsync(converted, cancellationToken);
                entries++;
            }
        }

        foreach (var path in deletedFiles)
        {
            var relative = Relative(KubeletArchiveLayout.DeletedFiles, path);
            if (relative.Length == 0)
            {
                throw new ArchiveInvalidException(KubeletArchiveLayout.DeletedFiles, $"lists '{path}', the root itself: list the paths the container removed");
            }

            var slash = relative.LastIndexOf('/');
            var marker = relative[..(slash + 1)] + LayerArchiveFormat.WhiteoutPrefix + relative[(slash + 1)..];
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, marker), cancellationToken);
            entries++;
        }

        return entries;
    }

    // "/a/b", "./a/b" and "a/b" → "a/b"; "/" and "." → ""; anything with ".." or NUL is refused.
    private static string Relative(string entry, string name)
    {
        var components = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".").ToArray();
        if (components.Contains("..") || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArchiveInvalidException(entry, $"names '{name}', which climbs out of the container's root: paths must stay inside it");
        }

        return string.Join('/', components);
    }
}
