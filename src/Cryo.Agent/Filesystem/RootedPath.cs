using System.Runtime.Versioning;

namespace Cryo.Agent.Filesystem;

/// <summary>
/// Resolves archive paths inside a root directory the way the container will see them: symlinks on the
/// way are followed with the root as "/" (an absolute link such as /var/run → /run stays inside), and a
/// relative link that climbs above the root is refused. The last component is never followed, so an
/// entry replaces a symlink rather than writing through it.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class RootedPath
{
    private const int MaxSymlinks = 40; // the kernel's own limit

    private readonly string _root;
    private readonly string _archivePath;

    public RootedPath(string root, string archivePath)
    {
        _root = root;
        _archivePath = archivePath;
    }

    /// <summary>
    /// Splits an archive entry name into components, refusing absolute names, ".." and NUL. Returns an
    /// empty array for the root itself ("." or "./").
    /// </summary>
    public string[] Split(string entryName)
    {
        if (entryName.StartsWith('/'))
        {
            throw new UnsafeArchiveEntryException(_archivePath, entryName, "absolute path");
        }

        if (entryName.Contains('\0', StringComparison.Ordinal))
        {
            throw new UnsafeArchiveEntryException(_archivePath, entryName, "NUL in name");
        }

        var components = entryName.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".").ToArray();
        if (components.Contains(".."))
        {
            throw new UnsafeArchiveEntryException(_archivePath, entryName, "'..' component");
        }

        return components;
    }

    /// <summary>
    /// The host path of the directory that holds <paramref name="components"/>' last element, with every
    /// symlink on the way resolved inside the root. Missing directories are created (0755, root-owned)
    /// when <paramref name="createMissing"/>, else null is returned. Also gives the resolved path inside
    /// the root ("/a/b"), which is what the container sees.
    /// </summary>
    public (string HostPath, string ContainerPath)? ResolveParent(string entryName, string[] components, bool createMissing)
    {
        var resolved = new List<string>();
        var pending = new Stack<string>(components[..^1].Reverse());
        var links = 0;
        while (pending.Count > 0)
        {
            var component = pending.Pop();
            if (component is "." or "")
            {
                continue;
            }

            if (component == "..")
            {
                if (resolved.Count == 0)
                {
                    throw new UnsafeArchiveEntryException(_archivePath, entryName, "a symlink on its path leads outside the root");
                }

                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }

            var candidate = HostPath(resolved, component);
            var status = NativeMethods.TryLStat(candidate);
            if (status is null)
            {
                if (!createMissing)
                {
                    return null;
                }

                Directory.CreateDirectory(candidate, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                    UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                resolved.Add(component);
            }
            else if (status.IsSymbolicLink)
            {
                if (++links > MaxSymlinks)
                {
                    throw new UnsafeArchiveEntryException(_archivePath, entryName, "too many symlinks on its path");
                }

                var target = new FileInfo(candidate).LinkTarget ?? string.Empty;
                if (target.StartsWith('/'))
                {
                    resolved.Clear();
                }

                foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(part);
                }
            }
            else if (status.IsDirectory)
            {
                resolved.Add(component);
            }
            else
            {
                throw new IOException($"archive {_archivePath}: entry '{entryName}': /{string.Join('/', resolved.Append(component))} in {_root} is not a directory");
            }
        }

        return (resolved.Count == 0 ? _root : HostPath(resolved, null), "/" + string.Join('/', resolved));
    }

    private string HostPath(List<string> resolved, string? next)
    {
        var parts = next is null ? resolved : resolved.Append(next);
        return _root + "/" + string.Join('/', parts);
    }
}
