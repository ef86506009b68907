namespace Cryo.Agent.Filesystem;

/// <summary>The result of <see cref="WritableLayer.CaptureAsync"/>: what the archive holds and what was left out.</summary>
/// <param name="ArchivePath">The archive written.</param>
/// <param name="Entries">Archive entries, deletion markers included.</param>
/// <param name="Whiteouts">Deleted paths recorded (".wh." markers).</param>
/// <param name="OpaqueDirectories">Directories recorded as replacing the lower layers' content.</param>
/// <param name="Skipped">Sockets, device nodes and reserved names that were not captured.</param>
public sealed record WritableLayerCapture(
    string ArchivePath,
    int Entries,
    int Whiteouts,
    int OpaqueDirectories,
    IReadOnlyList<SkippedEntry> Skipped);
