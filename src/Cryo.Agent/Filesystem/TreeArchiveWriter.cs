using System.Formats.Tar;
using System.Runtime.Versioning;
using Cryo.Criu.Images;

namespace Cryo.Agent.Filesystem;

/// <summary>
/// Writes a directory tree into a PAX archive with modes, owners, nanosecond times, extended attributes
/// and hard links. In overlay mode the tree is an overlayfs upper layer: whiteouts and opaque
/// directories become the deletion markers of <see cref="LayerArchiveFormat"/>.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class TreeArchiveWriter
{
    private static readonly EnumerationOptions ChildrenOnly = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        ReturnSpecialDirectories = false,
    };

    private readonly string _sourceDir;
    private readonly bool _overlayUpper;
    private readonly List<SkippedEntry> _skipped = [];
    private readonly Dictionary<(uint Major, uint Minor, ulong Inode), string> _linkTargets = [];
    private int _entries;
    private int _whiteouts;
    private int _opaque;

    private TreeArchiveWriter(string sourceDir, bool overlayUpper)
    {
        _sourceDir = sourceDir;
        _overlayUpper = overlayUpper;
    }

    /// <summary>
    /// Archives <paramref name="sourceDir"/> (not itself, only what is inside) to <paramref name="archivePath"/>,
    /// on a thread-pool thread. The work is synchronous inside: it often runs while the workload is frozen,
    /// and per-file async I/O cost several times more on a busy node (measured: thread hops dominate).
    /// </summary>
    public static Task<ArchiveCapture> WriteAsync(
        string sourceDir, string archivePath, bool overlayUpper, CancellationToken cancellationToken) =>
        Task.Run(() => Write(sourceDir, archivePath, overlayUpper, cancellationToken), cancellationToken);

    private static ArchiveCapture Write(string sourceDir, string archivePath, bool overlayUpper, CancellationToken cancellationToken)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(sourceDir));
        var status = NativeMethods.TryLStat(root);
        if (status is null || !status.IsDirectory)
        {
            throw new DirectoryNotFoundException($"cannot archive {root}: not a directory");
        }

        var writer = new TreeArchiveWriter(root, overlayUpper);
        var complete = false;
        try
        {
            // 0600: the archive holds whatever the workload wrote, secrets included.
            using (var stream = OwnerOnlyFile.Create(archivePath, FileMode.Create, bufferSize: 1 << 16))
            {
                using var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
                writer.WriteChildren(tar, root, string.Empty, cancellationToken);
            }

            complete = true;
        }
        finally
        {
            if (!complete)
            {
                File.Delete(archivePath); // a partial archive must never be mistaken for a layer
            }
        }

        return new ArchiveCapture(archivePath, writer._entries, writer._whiteouts, writer._opaque, writer._skipped);
    }

    private void WriteChildren(TarWriter tar, string directory, string relative, CancellationToken cancellationToken)
    {
        var names = Directory.EnumerateFileSystemEntries(directory, "*", ChildrenOnly)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            WriteOne(tar, Path.Join(directory, name), relative.Length == 0 ? name : relative + "/" + name, cancellationToken);
        }
    }

    private void WriteOne(TarWriter tar, string path, string relative, CancellationToken cancellationToken)
    {
        var status = NativeMethods.LStat(path);
        var name = Path.GetFileName(path);
        if (_overlayUpper)
        {
            if (IsWhiteout(path, status))
            {
                var marker = relative[..(relative.LastIndexOf('/') + 1)] + LayerArchiveFormat.WhiteoutPrefix + name;
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, marker));
                _entries++;
                _whiteouts++;
                return;
            }

            if (name.StartsWith(LayerArchiveFormat.WhiteoutPrefix, StringComparison.Ordinal))
            {
                _skipped.Add(new SkippedEntry(relative, "name starts with .wh., which marks deletions in the archive"));
                return;
            }

            RefuseContentElsewhere(path, relative);
        }

        if (status.IsDirectory)
        {
            tar.WriteEntry(Describe(TarEntryType.Directory, relative, path, status));
            _entries++;
            if (_overlayUpper && LayerArchiveFormat.GetOverlayAttribute(path, "opaque") is [(byte)'y'])
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, relative + "/" + LayerArchiveFormat.OpaqueMarker));
                _entries++;
                _opaque++;
            }

            WriteChildren(tar, path, relative, cancellationToken);
        }
        else if (status.IsRegularFile)
        {
            WriteFile(tar, path, relative, status);
        }
        else if (status.IsSymbolicLink)
        {
            var entry = Describe(TarEntryType.SymbolicLink, relative, path, status);
            entry.LinkName = new FileInfo(path).LinkTarget ?? string.Empty;
            tar.WriteEntry(entry);
            _entries++;
        }
        else if (status.IsFifo)
        {
            tar.WriteEntry(Describe(TarEntryType.Fifo, relative, path, status));
            _entries++;
        }
        else if (status.IsSocket)
        {
            _skipped.Add(new SkippedEntry(relative, "socket (its listener is restored by CRIU, not from the file system)"));
        }
        else
        {
            var kind = status.IsBlockDevice ? "block" : "character";
            _skipped.Add(new SkippedEntry(relative, $"{kind} device node {status.RdevMajor}:{status.RdevMinor}"));
        }
    }

    private void WriteFile(TarWriter tar, string path, string relative, FileStatus status)
    {
        var key = (status.DeviceMajor, status.DeviceMinor, status.Inode);
        if (status.LinkCount > 1 && _linkTargets.TryGetValue(key, out var first))
        {
            var link = Describe(TarEntryType.HardLink, relative, path, status);
            link.LinkName = first;
            tar.WriteEntry(link);
            _entries++;
            return;
        }

        if (status.LinkCount > 1)
        {
            _linkTargets[key] = relative;
        }

        var entry = Describe(TarEntryType.RegularFile, relative, path, status);
        using var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        entry.DataStream = data;
        tar.WriteEntry(entry);
        _entries++;
    }

    private static bool IsWhiteout(string path, FileStatus status) =>
        status.IsOverlayWhiteout ||
        (status.IsRegularFile && status.Size == 0 && LayerArchiveFormat.GetOverlayAttribute(path, "whiteout") is not null);

    private void RefuseContentElsewhere(string path, string relative)
    {
        // With metacopy the upper file holds only metadata and with redirect_dir a renamed directory's
        // content stays under its old name in a lower layer: the upper layer alone would lose data.
        if (LayerArchiveFormat.GetOverlayAttribute(path, "metacopy") is not null)
        {
            throw new WritableLayerUnsupportedException(
                $"{_sourceDir}: '{relative}' is an overlay metacopy file (its data is in a lower layer); mounts with metacopy=on are not supported");
        }

        if (LayerArchiveFormat.GetOverlayAttribute(path, "redirect") is not null)
        {
            throw new WritableLayerUnsupportedException(
                $"{_sourceDir}: '{relative}' is a renamed overlay directory (redirect_dir=on); its content is in a lower layer and is not supported");
        }
    }

    private static PaxTarEntry Describe(TarEntryType type, string relative, string path, FileStatus status)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [LayerArchiveFormat.PreciseModificationTimeKey] = status.ModificationTime.ToPax(),
            [LayerArchiveFormat.AccessTimeKey] = status.AccessTime.ToPax(),
        };
        foreach (var attribute in NativeMethods.ListAttributes(path))
        {
            if (!LayerArchiveFormat.ShouldCapture(attribute))
            {
                continue;
            }

            var value = NativeMethods.GetAttribute(path, attribute);
            if (value is not null)
            {
                attributes[LayerArchiveFormat.AttributeKey(attribute)] = Convert.ToBase64String(value);
            }
        }

        return new PaxTarEntry(type, relative, attributes)
        {
            Mode = status.Permissions,
            Uid = status.Uid,
            Gid = status.Gid,
            ModificationTime = status.ModificationTime.ToDateTimeOffset(),
        };
    }
}
