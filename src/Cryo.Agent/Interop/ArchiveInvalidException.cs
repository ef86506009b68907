using Cryo.Agent.Operations;

namespace Cryo.Agent.Interop;

/// <summary>
/// An archive offered for import is not a usable checkpoint archive (gRPC INVALID_ARGUMENT, reason
/// ARCHIVE_INVALID): an entry is unsafe, malformed or missing. Nothing was committed.
/// </summary>
public sealed class ArchiveInvalidException : AgentException
{
    /// <summary>Creates the exception for one entry.</summary>
    /// <param name="entry">The entry's name in the archive (or the archive itself, "").</param>
    /// <param name="problem">What is wrong and what the archive should hold instead.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ArchiveInvalidException(string entry, string problem, Exception? innerException = null)
        : base(entry.Length > 0 ? $"the archive's entry {entry} {problem}; nothing was imported" : $"the archive {problem}; nothing was imported", innerException)
    {
        Entry = entry;
    }

    /// <summary>The entry at fault ("" for the archive as a whole).</summary>
    public string Entry { get; }
}
