namespace Cryo.Agent.Engine;

/// <summary>A file of a checkpoint.</summary>
/// <param name="Path">Relative to the checkpoint directory.</param>
/// <param name="SizeBytes">Its size.</param>
/// <param name="Sha256">Lower-case hex SHA-256.</param>
public sealed record RecordedFile(string Path, long SizeBytes, string Sha256);
