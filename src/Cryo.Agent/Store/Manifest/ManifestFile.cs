namespace Cryo.Agent.Store;

/// <summary>One file of a checkpoint with its size and SHA-256.</summary>
public sealed record ManifestFile
{
    /// <summary>Path relative to the checkpoint directory, '/'-separated (e.g. <c>images/pages-1.img</c>).</summary>
    public required string Path { get; init; }

    /// <summary>Size in bytes.</summary>
    public long Size { get; init; }

    /// <summary>SHA-256 of the content, lowercase hex.</summary>
    public required string Sha256 { get; init; }
}
