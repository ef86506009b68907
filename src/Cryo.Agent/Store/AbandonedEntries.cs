namespace Cryo.Agent.Store;

/// <summary>
/// What agents left in the store's temporary area, <c>&lt;root&gt;/.tmp/&lt;owner&gt;/</c>: this agent's own leftovers
/// (dumps interrupted by an agent killed mid-way, half-finished deletes), and other owners' entries
/// untouched for long (their node is gone). Checkpoints this store instance has in progress, other
/// agents' recent work, and this agent's recently interrupted pulls (kept for the next pull to resume) are
/// never touched.
/// </summary>
/// <param name="paths">The store's paths.</param>
/// <param name="inProgress">Whether a temporary directory is a checkpoint this store instance is writing.</param>
/// <param name="othersAbandonedAfter">How long another owner's entry must lie untouched before it is abandoned.</param>
/// <param name="pullsKeptFor">How long an interrupted pull of this agent is kept.</param>
internal sealed class AbandonedEntries(StorePaths paths, Func<string, bool> inProgress, TimeSpan othersAbandonedAfter, TimeSpan pullsKeptFor)
{
    private static readonly EnumerationOptions Everything = new() { AttributesToSkip = 0 };

    /// <summary>This agent's leftover temporary directories, those in progress excepted.</summary>
    public IReadOnlyList<string> List() =>
        Directory.Exists(paths.OwnTemporary)
            ? Directory.EnumerateDirectories(paths.OwnTemporary, "*", Everything)
                .Where(entry => IsOwnLeftover(entry, DateTime.UtcNow - pullsKeptFor) && new FileInfo(entry).LinkTarget is null)
                .ToList()
            : [];

    /// <summary>Removes this agent's leftovers and other owners' stale entries, one by one.</summary>
    /// <returns>How many entries were removed.</returns>
    /// <exception cref="AbandonedEntriesRemainException">Some entries could not be removed; all others were.</exception>
    public int Remove()
    {
        if (!Directory.Exists(paths.Temporary))
        {
            return 0;
        }

        var sweep = new Sweep();
        var staleBefore = DateTime.UtcNow - othersAbandonedAfter;
        foreach (var owner in Directory.EnumerateFileSystemEntries(paths.Temporary, "*", Everything))
        {
            var ownerPath = paths.Inside(paths.Temporary, Path.GetFileName(owner));
            if (ownerPath == paths.OwnTemporary)
            {
                var pullsStaleBefore = DateTime.UtcNow - pullsKeptFor;
                RemoveEntries(ownerPath, entry => IsOwnLeftover(entry, pullsStaleBefore), sweep);
            }
            else if (Directory.Exists(ownerPath) && (File.GetAttributes(ownerPath) & FileAttributes.ReparsePoint) == 0)
            {
                RemoveEntries(ownerPath, entry => IsStale(entry, staleBefore), sweep);
                if (IsStale(ownerPath, staleBefore) && !Directory.EnumerateFileSystemEntries(ownerPath).Any())
                {
                    Directory.Delete(ownerPath);
                }
            }
            else if (IsStale(ownerPath, staleBefore))
            {
                // Not an owner directory (a stray file or link): nothing creates these, remove once old.
                sweep.Remove(ownerPath);
            }
        }

        return sweep.Remaining.Count == 0
            ? sweep.Removed
            : throw new AbandonedEntriesRemainException(sweep.Removed, sweep.Remaining, sweep.FirstError!);
    }

    // Not in progress here, and not a pull interrupted recently (the next pull of its checkpoint resumes it).
    private bool IsOwnLeftover(string entry, DateTime pullsStaleBefore) =>
        !inProgress(entry) && (!entry.EndsWith(StorePaths.PullSuffix, StringComparison.Ordinal) || IsStale(entry, pullsStaleBefore));

    private static bool IsStale(string path, DateTime staleBefore) =>
        File.GetLastWriteTimeUtc(path) < staleBefore;

    private void RemoveEntries(string directory, Func<string, bool> shouldRemove, Sweep sweep)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", Everything))
        {
            if (shouldRemove(entry))
            {
                sweep.Remove(paths.Inside(directory, Path.GetFileName(entry)));
            }
        }
    }

    /// <summary>Removes entries one by one, so one that cannot be removed does not stop the others.</summary>
    private sealed class Sweep
    {
        public int Removed { get; private set; }

        public List<string> Remaining { get; } = [];

        public Exception? FirstError { get; private set; }

        public void Remove(string path)
        {
            try
            {
                ImageStore.DeleteEntry(path);
                Removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Remaining.Add(path);
                FirstError ??= e;
            }
        }
    }
}
