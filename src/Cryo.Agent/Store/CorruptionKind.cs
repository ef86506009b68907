namespace Cryo.Agent.Store;

/// <summary>What is wrong with a file of a stored checkpoint.</summary>
public enum CorruptionKind
{
    /// <summary>The manifest lists the file but it is not there (or is not a regular file).</summary>
    Missing,

    /// <summary>The file's size differs from the manifest's (e.g. truncated).</summary>
    SizeDiffers,

    /// <summary>The file's SHA-256 differs from the manifest's (e.g. a flipped byte).</summary>
    Sha256Differs,

    /// <summary>The manifest's entry is unusable: a path leaving the checkpoint, or no files at all.</summary>
    InvalidEntry,
}
