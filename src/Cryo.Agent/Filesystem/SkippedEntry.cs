namespace Cryo.Agent.Filesystem;

/// <summary>A path left out of a capture or an apply, and why (e.g. "socket", "device node 1:3").</summary>
/// <param name="Path">The path relative to the captured directory or the target root, with '/' separators.</param>
/// <param name="Reason">Why it was left out, in a few words.</param>
public sealed record SkippedEntry(string Path, string Reason);
