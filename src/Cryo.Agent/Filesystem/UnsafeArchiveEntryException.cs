using Cryo.Agent.Operations;

namespace Cryo.Agent.Filesystem;

/// <summary>
/// An archive entry would be written outside the target root (an absolute name, a ".." component, or a
/// symlink whose target climbs above the root). Nothing is written for such an archive's entry.
/// </summary>
public sealed class UnsafeArchiveEntryException : AgentException
{
    /// <summary>Creates the exception for one entry of one archive.</summary>
    public UnsafeArchiveEntryException(string archivePath, string entryName, string reason)
        : base($"archive {archivePath}: entry '{entryName}' refused: {reason}")
    {
        ArchivePath = archivePath;
        EntryName = entryName;
    }

    /// <summary>The archive that held the entry.</summary>
    public string ArchivePath { get; }

    /// <summary>The entry's name as stored in the archive.</summary>
    public string EntryName { get; }
}
