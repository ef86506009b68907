using Cryo.Agent.Store;

namespace Cryo.Agent.Transfer;

/// <summary>How far the pull of one checkpoint of a chain has come.</summary>
/// <param name="Checkpoint">The checkpoint being pulled (a parent's before its child's).</param>
/// <param name="BytesVerified">Bytes landed and verified, those kept from an interrupted pull included.</param>
/// <param name="BytesTotal">Bytes of its files.</param>
public readonly record struct PullProgress(CheckpointKey Checkpoint, long BytesVerified, long BytesTotal);
