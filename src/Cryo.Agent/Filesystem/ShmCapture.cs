namespace Cryo.Agent.Filesystem;

/// <summary>The result of <see cref="ShmSnapshot.CaptureAsync"/>.</summary>
/// <param name="ArchivePath">The archive written.</param>
/// <param name="Entries">Files, directories and links archived.</param>
/// <param name="Skipped">Sockets and device nodes that were not captured.</param>
public sealed record ShmCapture(string ArchivePath, int Entries, IReadOnlyList<SkippedEntry> Skipped);
