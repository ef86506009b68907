namespace Cryo.Agent.Filesystem;

/// <summary>What applying an archive changed in the target.</summary>
/// <param name="Written">Files, directories, links and FIFOs created or replaced.</param>
/// <param name="Deleted">Paths removed because the archive marks them deleted (whiteouts).</param>
/// <param name="OpaqueDirectories">Directories emptied of the target's own content (opaque markers).</param>
/// <param name="Skipped">Entries not applied, with the reason (mount points, device nodes, unsupported attributes).</param>
public sealed record FileTreeApplyResult(int Written, int Deleted, int OpaqueDirectories, IReadOnlyList<SkippedEntry> Skipped);
