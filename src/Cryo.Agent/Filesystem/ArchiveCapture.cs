namespace Cryo.Agent.Filesystem;

/// <summary>
/// What a capture wrote into its archive (<see cref="WritableLayer.CaptureAsync"/>, <see cref="ShmSnapshot.CaptureAsync"/>)
/// and what it left out.
/// </summary>
/// <param name="ArchivePath">The archive written.</param>
/// <param name="Entries">Archive entries, deletion markers included.</param>
/// <param name="Whiteouts">Deleted paths recorded (".wh." markers); none for /dev/shm.</param>
/// <param name="OpaqueDirectories">Directories recorded as replacing the lower layers' content; none for /dev/shm.</param>
/// <param name="Skipped">Sockets, device nodes and reserved names that were not captured.</param>
public sealed record ArchiveCapture(
    string ArchivePath,
    int Entries,
    int Whiteouts,
    int OpaqueDirectories,
    IReadOnlyList<SkippedEntry> Skipped);
