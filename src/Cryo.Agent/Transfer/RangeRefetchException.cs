namespace Cryo.Agent.Transfer;

/// <summary>
/// A received range did not match its digest the first time: the puller asks for it again. Never leaves
/// <see cref="CheckpointPuller"/>.
/// </summary>
internal sealed class RangeRefetchException(string path, long offset, string detail)
    : Exception($"{path} bytes from {offset}: {detail}; fetching them again")
{
    public string Path { get; } = path;

    public long Offset { get; } = offset;
}
