namespace Cryo.Agent.Filesystem;

/// <summary>What <see cref="TreeArchiveWriter"/> put into an archive.</summary>
internal sealed record TreeArchiveStats(int Entries, int Whiteouts, int OpaqueDirectories, IReadOnlyList<SkippedEntry> Skipped);
