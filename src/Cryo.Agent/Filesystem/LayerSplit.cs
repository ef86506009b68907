namespace Cryo.Agent.Filesystem;

/// <summary>
/// Splits a writable layer's application in two passes around CRIU's restore into a container: <see cref="First"/>
/// applies what the restore opens, creates or binds by name (the files a task holds open, maps, runs from or works in,
/// and the directories on the way to them), before CRIU opens any file; <see cref="Rest"/> applies everything else while
/// CRIU restores the tree's memory, before the tree runs. A restore then waits only for the files it needs, not for
/// every file the workload ever wrote (a JVM's extracted classes and temp files).
/// </summary>
/// <remarks>
/// A path counts for the first pass when it is needed or lies on the way to one that is: an entry at it, a whiteout of
/// it, an opaque marker emptying it (the rest never empties a directory the first pass wrote into, so an opaque
/// directory on the way is emptied first), and the file a needed hard link names. One split serves both passes, first
/// pass first.
/// </remarks>
public sealed class LayerSplit
{
    private readonly HashSet<string> needed;
    private readonly HashSet<string> onTheWay = new(StringComparer.Ordinal);
    private readonly HashSet<string> namesChecked = new(StringComparer.Ordinal);

    /// <summary>Splits around <paramref name="neededPaths"/>: absolute paths inside the container.</summary>
    public LayerSplit(IEnumerable<string> neededPaths)
    {
        ArgumentNullException.ThrowIfNull(neededPaths);
        needed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in neededPaths)
        {
            Need(path);
        }
        First = new LayerPass(this, first: true);
        Rest = new LayerPass(this, first: false);
    }

    /// <summary>The pass before CRIU opens files: only what it needs.</summary>
    public LayerPass First { get; }

    /// <summary>The pass beside CRIU's restore: everything the first did not apply.</summary>
    public LayerPass Rest { get; }

    /// <summary>Whether a needed path lies at or below <paramref name="directory"/> (a path inside the container).</summary>
    public bool NeedsUnder(string directory)
    {
        var prefix = Normalize(directory);
        return needed.Any(p => p == prefix || p.StartsWith(prefix == "/" ? "/" : prefix + "/", StringComparison.Ordinal));
    }

    /// <summary>Whether <paramref name="containerPath"/> (normalized, "/a/b") belongs to the first pass.</summary>
    internal bool IsEarly(string containerPath) => needed.Contains(containerPath) || onTheWay.Contains(containerPath);

    /// <summary>Whether the first pass checked every name of <paramref name="archivePath"/>.</summary>
    internal bool NamesChecked(string archivePath)
    {
        lock (namesChecked)
        {
            return namesChecked.Contains(archivePath);
        }
    }

    /// <summary>Records that the first pass checked every name of <paramref name="archivePath"/>.</summary>
    internal void CheckedNames(string archivePath)
    {
        lock (namesChecked)
        {
            namesChecked.Add(archivePath);
        }
    }

    /// <summary>Adds a path the first pass must apply too (the file a needed hard link names).</summary>
    internal void Need(string containerPath)
    {
        var path = Normalize(containerPath);
        if (path == "/" || !needed.Add(path))
        {
            return;
        }
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            onTheWay.Add(path[..slash]);
        }
    }

    private static string Normalize(string path) => "/" + string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != "."));
}
