using Cryo.Criu.Images.Protos;

namespace Cryo.Criu.Images;

/// <summary>
/// The paths a restore of a tree opens, creates or binds by name (<c>files.img</c>): every regular file or directory a
/// task holds open, maps, runs from or works in (its cwd and root included, and the names CRIU gave deleted files), and
/// every unix socket bound to a path. A restore into a container needs these in the container's root before CRIU opens
/// them; the other files of its writable layer may follow while CRIU restores memory.
/// </summary>
/// <example>
/// <code>
/// var named = CriuNamedFiles.Read("/var/lib/cryo/checkpoints/default/web-…/images");
/// // named.Complete: whether Paths is all the restore names; named.Paths: "/tmp/hsperfdata_root/1", "/app", …
/// </code>
/// </example>
public sealed class CriuNamedFiles
{
    private const uint Regular = 1;
    private const uint UnixSocket = 5;
    private const uint Inotify = 8;
    private const uint Fanotify = 12;

    private CriuNamedFiles(IReadOnlySet<string> paths, string? incompleteBecause)
    {
        Paths = paths;
        IncompleteBecause = incompleteBecause;
    }

    /// <summary>The absolute paths, inside the tree's mount namespace, that the restore opens, creates or binds.</summary>
    public IReadOnlySet<string> Paths { get; }

    /// <summary>
    /// Why <see cref="Paths"/> may not be all the restore reaches by path (a notification watch, which CRIU finds by file
    /// handle; a socket bound by a relative name; no file table), or <c>null</c> when it is.
    /// </summary>
    public string? IncompleteBecause { get; }

    /// <summary>Whether <see cref="Paths"/> names everything the restore reaches by path.</summary>
    public bool Complete => IncompleteBecause is null;

    /// <summary>Reads <c>files.img</c> in <paramref name="imagesDirectory"/>.</summary>
    /// <exception cref="CriuImageFormatException">The file table has the wrong magic or does not decode.</exception>
    public static CriuNamedFiles Read(string imagesDirectory)
    {
        var path = Path.Combine(imagesDirectory, CriuImageFiles.Files);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return new CriuNamedFiles(paths, $"the images hold no {CriuImageFiles.Files}");
        }

        string? incomplete = null;
        using var reader = CriuImageReader.Open(path, CriuImageKind.Files);
        while (reader.Read(FileEntry.Parser) is { } entry)
        {
            switch (entry.Type)
            {
                case Regular when entry.Reg is { HasName: true } reg:
                    paths.Add(reg.Name);
                    break;
                case UnixSocket when entry.Usk is { } socket && BoundPath(socket) is { } bound:
                    if (bound.StartsWith('/'))
                    {
                        paths.Add(bound);
                    }
                    else
                    {
                        incomplete ??= $"a unix socket is bound to the relative name '{bound}'";
                    }
                    break;
                case Inotify or Fanotify:
                    incomplete ??= "a task watches files through inotify or fanotify, which CRIU finds by file handle";
                    break;
            }
        }

        return new CriuNamedFiles(paths, incomplete);
    }

    // A socket's bound path: name_dir/name for a relative name CRIU recorded its directory for; null when unbound or abstract.
    private static string? BoundPath(UnixSkEntry socket)
    {
        if (!socket.HasName || socket.Name.Length == 0 || socket.Name[0] == 0)
        {
            return null;
        }

        var name = socket.Name.ToStringUtf8().TrimEnd('\0');
        return socket.HasNameDir && socket.NameDir.Length > 0 && !name.StartsWith('/') ? socket.NameDir.TrimEnd('/') + "/" + name : name;
    }
}
