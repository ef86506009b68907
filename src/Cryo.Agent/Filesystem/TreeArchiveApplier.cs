using System.ComponentModel;
using System.Formats.Tar;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Cryo.Agent.Filesystem;

/// <summary>
/// Applies an archive written by <see cref="TreeArchiveWriter"/> to a root directory: creates and replaces
/// entries, carries out deletion markers, and restores owners, modes, extended attributes and times.
/// Every path is resolved inside the root (<see cref="RootedPath"/>); names are all checked before anything
/// is written, so an archive with an unsafe name changes nothing.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class TreeArchiveApplier
{
    private const UnixFileMode PermissionBits = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly EnumerationOptions AllChildren = new() { AttributesToSkip = 0, IgnoreInaccessible = false };

    private readonly string _archivePath;
    private readonly bool _deletionMarkers;
    private readonly IReadOnlyList<string> _mountPoints;
    private readonly RootedPath _paths;
    private readonly LayerPass? _pass;
    private readonly List<SkippedEntry> _skipped = [];
    private readonly List<(string Path, TarEntry Entry)> _directories = [];
    private (string Key, (string HostPath, string ContainerPath) Resolved)? _lastParent;
    private int _written;
    private int _deleted;
    private int _opaque;

    private TreeArchiveApplier(string root, string archivePath, bool deletionMarkers, IEnumerable<string> mountPoints, LayerPass? pass)
    {
        _archivePath = archivePath;
        _pass = pass;
        _deletionMarkers = deletionMarkers;
        _mountPoints = mountPoints.Select(m => "/" + m.Trim('/')).Where(m => m != "/").Distinct(StringComparer.Ordinal).ToList();
        _paths = new RootedPath(root, archivePath);
    }

    /// <summary>
    /// Applies <paramref name="archivePath"/> under <paramref name="root"/>. With <paramref name="deletionMarkers"/>
    /// ".wh." entries delete paths; <paramref name="mountPoints"/> (paths inside the root) are left alone with
    /// everything below them. With <paramref name="pass"/> only the entries of that pass are applied.
    /// </summary>
    public static Task<FileTreeApplyResult> ApplyAsync(
        string archivePath, string root, bool deletionMarkers, IEnumerable<string> mountPoints, CancellationToken cancellationToken, LayerPass? pass = null) =>
        // Synchronous inside, on a thread-pool thread: per-file async I/O costs several times more on a busy node.
        Task.Run(() => Apply(archivePath, root, deletionMarkers, mountPoints, pass, cancellationToken), cancellationToken);

    private static FileTreeApplyResult Apply(
        string archivePath, string root, bool deletionMarkers, IEnumerable<string> mountPoints, LayerPass? pass, CancellationToken cancellationToken)
    {
        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var status = NativeMethods.TryLStat(fullRoot);
        if (status is null || !status.IsDirectory)
        {
            throw new DirectoryNotFoundException($"cannot apply {archivePath}: target root {fullRoot} is not a directory");
        }

        var applier = new TreeArchiveApplier(fullRoot, archivePath, deletionMarkers, mountPoints, pass);
        if (pass is null || !pass.NamesCheckedBefore(archivePath))
        {
            applier.CheckNames(cancellationToken);
            pass?.CheckedNames(archivePath);
        }
        applier.ApplyEntries(cancellationToken);
        return new FileTreeApplyResult(applier._written, applier._deleted, applier._opaque, applier._skipped);
    }

    /// <summary>One pass over the archive's entries, in order (names are checked in a pass of their own before anything is written).</summary>
    private void ForEachEntry(Action<TarEntry> visit, CancellationToken cancellationToken)
    {
        using var stream = OpenArchive();
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            cancellationToken.ThrowIfCancellationRequested();
            visit(entry);
        }
    }

    private void CheckNames(CancellationToken cancellationToken) =>
        ForEachEntry(entry =>
        {
            var components = _paths.Split(entry.Name);
            if (entry.EntryType == TarEntryType.HardLink)
            {
                var target = _paths.Split(entry.LinkName);
                _pass?.NeedLinkTarget("/" + string.Join('/', components), "/" + string.Join('/', target));
            }
        }, cancellationToken);

    private void ApplyEntries(CancellationToken cancellationToken)
    {
        ForEachEntry(ApplyEntry, cancellationToken);

        // Directory times last, deepest first: writing their children moved them.
        for (var i = _directories.Count - 1; i >= 0; i--)
        {
            SetMetadata(_directories[i].Path, _directories[i].Entry, isSymlink: false);
        }
    }

    private FileStream OpenArchive() =>
        new(_archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);

    private void ApplyEntry(TarEntry entry)
    {
        var components = _paths.Split(entry.Name);
        if (components.Length == 0)
        {
            return; // the root itself: its metadata belongs to the target
        }

        var relative = string.Join('/', components);
        var name = components[^1];
        if (_pass is not null && !_pass.Includes(Subject(relative, name), entry.EntryType == TarEntryType.Directory))
        {
            return;
        }

        // Checked before resolving (which creates missing parents) and after (symlinks may lead under one).
        if (UnderMountPoint("/" + relative) is { } literalMountPoint)
        {
            _skipped.Add(new SkippedEntry(relative, $"the target has a mount at {literalMountPoint}"));
            return;
        }

        var parent = ResolveParent(entry.Name, components);
        var containerPath = parent.ContainerPath.TrimEnd('/') + "/" + name;
        if (UnderMountPoint(containerPath) is { } mountPoint)
        {
            _skipped.Add(new SkippedEntry(relative, $"the target has a mount at {mountPoint}"));
            return;
        }

        if (_deletionMarkers && name == LayerArchiveFormat.OpaqueMarker)
        {
            EmptyOpaqueDirectory(relative, parent);
            return;
        }

        if (_deletionMarkers && name.StartsWith(LayerArchiveFormat.WhiteoutPrefix, StringComparison.Ordinal))
        {
            var deleted = name[LayerArchiveFormat.WhiteoutPrefix.Length..];
            if (deleted is "" or "." or "..")
            {
                throw new UnsafeArchiveEntryException(_archivePath, entry.Name, "whiteout of an invalid name");
            }

            if (Remove(Path.Join(parent.HostPath, deleted)))
            {
                _deleted++;
            }

            return;
        }

        var target = Path.Join(parent.HostPath, name);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                var existing = NativeMethods.TryLStat(target);
                if (existing is not null && !existing.IsDirectory)
                {
                    Remove(target);
                    existing = null;
                }

                if (existing is null)
                {
                    Directory.CreateDirectory(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }

                _directories.Add((target, entry));
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Remove(target);
                WriteFile(target, entry);
                break;
            case TarEntryType.SymbolicLink:
                Remove(target);
                File.CreateSymbolicLink(target, entry.LinkName);
                SetMetadata(target, entry, isSymlink: true);
                break;
            case TarEntryType.HardLink:
                Remove(target);
                NativeMethods.HardLink(ResolveLinkTarget(entry), target);
                break;
            case TarEntryType.Fifo:
                Remove(target);
                NativeMethods.MakeFifo(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                SetMetadata(target, entry, isSymlink: false);
                break;
            default:
                _skipped.Add(new SkippedEntry(relative, $"entry type {entry.EntryType} is not applied"));
                return;
        }

        _written++;
    }

    /// <summary>
    /// The path an entry is about, as the container sees it ("/a/b"): the path it writes, the one a whiteout deletes, or
    /// the directory an opaque marker empties.
    /// </summary>
    private string Subject(string relative, string name)
    {
        var directory = "/" + relative[..Math.Max(0, relative.Length - name.Length)].TrimEnd('/');
        if (_deletionMarkers && name == LayerArchiveFormat.OpaqueMarker)
        {
            return directory;
        }

        if (_deletionMarkers && name.StartsWith(LayerArchiveFormat.WhiteoutPrefix, StringComparison.Ordinal))
        {
            return directory.TrimEnd('/') + "/" + name[LayerArchiveFormat.WhiteoutPrefix.Length..];
        }

        return "/" + relative;
    }

    private void EmptyOpaqueDirectory(string relative, (string HostPath, string ContainerPath) parent)
    {
        if (parent.ContainerPath == "/")
        {
            _skipped.Add(new SkippedEntry(relative, "an opaque root directory would empty the whole target"));
            return;
        }

        foreach (var child in Directory.EnumerateFileSystemEntries(parent.HostPath, "*", AllChildren).ToList())
        {
            Remove(child);
        }

        _opaque++;
    }

    private string ResolveLinkTarget(TarEntry entry)
    {
        var components = _paths.Split(entry.LinkName);
        var parent = _paths.ResolveParent(entry.Name, components, createMissing: false);
        var existing = parent is null ? null : Path.Join(parent.Value.HostPath, components[^1]);
        if (existing is null || NativeMethods.TryLStat(existing) is not { IsDirectory: false })
        {
            throw new IOException($"archive {_archivePath}: hard link '{entry.Name}' names '{entry.LinkName}', which is not a file in the target");
        }

        return existing;
    }

    private void WriteFile(string target, TarEntry entry)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            // Created with its own permissions where the umask lets it be, so most files need no chmod after.
            UnixCreateMode = entry.Mode & PermissionBits,
            BufferSize = 1 << 16,
        };
        using var output = new FileStream(target, options);
        entry.DataStream?.CopyTo(output);
        // Written out before the times are set (a later write would move them), then the metadata goes through the open
        // file: no path walked again through the target's overlay for its status and times.
        output.Flush();
        SetMetadata(target, entry, isSymlink: false, NativeMethods.FStat(output.SafeFileHandle, target), output.SafeFileHandle);
    }

    // created: what the entry looks like now, when it was just created; an owner and mode it already has are not set
    // again. Each chown or chmod is a metadata write the file system journals, which on a busy node's disk costs a
    // writable layer of a few hundred files most of its time.
    private void SetMetadata(string path, TarEntry entry, bool isSymlink, FileStatus? created = null, SafeFileHandle? open = null)
    {
        var chown = created is null || created.Uid != entry.Uid || created.Gid != entry.Gid;
        if (chown)
        {
            NativeMethods.LChown(path, entry.Uid, entry.Gid);
        }
        // After chown, which clears setuid/setgid.
        if (!isSymlink && (chown || created!.Permissions != entry.Mode))
        {
            File.SetUnixFileMode(path, entry.Mode);
        }

        if (entry is PaxTarEntry pax)
        {
            SetAttributes(path, pax);
        }

        var attributes = (entry as PaxTarEntry)?.ExtendedAttributes;
        var modified = FileTimestamp.TryParsePax(attributes?.GetValueOrDefault(LayerArchiveFormat.PreciseModificationTimeKey))
            ?? FileTimestamp.TryParsePax(attributes?.GetValueOrDefault(LayerArchiveFormat.ModificationTimeKey))
            ?? new FileTimestamp(entry.ModificationTime.ToUnixTimeSeconds(), entry.ModificationTime.Ticks % TimeSpan.TicksPerSecond * 100);
        var accessed = FileTimestamp.TryParsePax(attributes?.GetValueOrDefault(LayerArchiveFormat.AccessTimeKey)) ?? modified;
        if (open is null)
        {
            NativeMethods.SetTimes(path, accessed, modified);
        }
        else
        {
            NativeMethods.SetTimes(open, path, accessed, modified);
        }
    }

    private void SetAttributes(string path, PaxTarEntry entry)
    {
        foreach (var (key, value) in entry.ExtendedAttributes)
        {
            var name = LayerArchiveFormat.AttributeName(key);
            if (name is null || LayerArchiveFormat.IsOverlayAttribute(name))
            {
                continue;
            }

            try
            {
                NativeMethods.SetAttribute(path, name, Convert.FromBase64String(value));
            }
            catch (IOException e) when (e.InnerException is Win32Exception { NativeErrorCode: 1 or 13 or 95 })
            {
                // EPERM/EACCES/EOPNOTSUPP: e.g. user.* on a symlink, or a file system without xattrs.
                _skipped.Add(new SkippedEntry(entry.Name, $"extended attribute {name} not set: {e.InnerException.Message}"));
            }
        }
    }

    private string? UnderMountPoint(string containerPath) =>
        _mountPoints.FirstOrDefault(m =>
            containerPath == m || containerPath.StartsWith(m + "/", StringComparison.Ordinal));

    /// <summary>
    /// The parent of an entry, resolved inside the root (missing directories created). An archive lists a directory's
    /// entries together, so the last parent resolved is kept and reused for the next entry in the same directory: its
    /// components were directories then, and stay so until this applier removes something (<see cref="Remove"/>).
    /// </summary>
    private (string HostPath, string ContainerPath) ResolveParent(string entryName, string[] components)
    {
        var key = string.Join('/', components, 0, components.Length - 1);
        if (_lastParent is { } last && last.Key == key)
        {
            return last.Resolved;
        }

        var resolved = _paths.ResolveParent(entryName, components, createMissing: true)!.Value;
        _lastParent = (key, resolved);
        return resolved;
    }

    /// <summary>Removes whatever is at <paramref name="path"/>; the parent kept by <see cref="ResolveParent"/> may have gone with it.</summary>
    private bool Remove(string path)
    {
        if (!DeleteTree(path))
        {
            return false;
        }

        _lastParent = null;
        return true;
    }

    /// <summary>Removes whatever is at <paramref name="path"/> (never following symlinks); false if nothing was there.</summary>
    private static bool DeleteTree(string path)
    {
        var status = NativeMethods.TryLStat(path);
        if (status is null)
        {
            return false;
        }

        if (status.IsDirectory)
        {
            foreach (var child in Directory.EnumerateFileSystemEntries(path, "*", AllChildren).ToList())
            {
                DeleteTree(child);
            }

            Directory.Delete(path);
        }
        else
        {
            File.Delete(path);
        }

        return true;
    }
}
