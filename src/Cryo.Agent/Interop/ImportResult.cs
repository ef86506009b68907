using Cryo.Agent.Store;

namespace Cryo.Agent.Interop;

/// <summary>What an import committed.</summary>
/// <param name="Checkpoint">The committed checkpoint.</param>
/// <param name="ImportedFrom"><see cref="CheckpointImporter.FromCryo"/> or <see cref="CheckpointImporter.FromKubelet"/>.</param>
/// <param name="IgnoredEntries">Entries of the archive a restore does not need (e.g. <c>network.status</c>), not kept.</param>
public sealed record ImportResult(StoredCheckpoint Checkpoint, string ImportedFrom, IReadOnlyList<string> IgnoredEntries);
