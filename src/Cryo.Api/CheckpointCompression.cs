namespace Cryo.Api;

/// <summary>Values of a Checkpoint's <c>spec.compression</c>: how its memory page images are stored.</summary>
public static class CheckpointCompression
{
    /// <summary>As CRIU writes them (the default).</summary>
    public const string None = "none";

    /// <summary>Compressed with zstd after the dump, decompressed before a restore.</summary>
    public const string Zstd = "zstd";
}
