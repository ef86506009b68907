namespace Cryo.Agent.Operations;

/// <summary>A file of a checkpoint.</summary>
/// <param name="Path">Relative to the checkpoint directory.</param>
/// <param name="SizeBytes">Its size.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the whole file; null when it is hashed in chunks.</param>
/// <param name="ChunkSizeBytes">Bytes per chunk of <paramref name="ChunkSha256"/>; 0 for a whole-file digest.</param>
/// <param name="ChunkSha256">Lower-case hex SHA-256 of each chunk in order; empty for a whole-file digest.</param>
public sealed record RecordedFile(string Path, long SizeBytes, string? Sha256, long ChunkSizeBytes, IReadOnlyList<string> ChunkSha256);
