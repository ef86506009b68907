namespace Cryo.Agent.Store;

/// <summary>A stored checkpoint does not match its manifest; restoring it is refused.</summary>
public sealed class CheckpointCorruptedException : CheckpointStoreException
{
    /// <summary>Creates the exception naming the file and what is wrong with it.</summary>
    /// <param name="key">The checkpoint.</param>
    /// <param name="relativePath">The file, relative to the checkpoint directory (e.g. <c>images/pages-1.img</c>).</param>
    /// <param name="kind">What is wrong.</param>
    /// <param name="detail">Expected and actual values, in words.</param>
    public CheckpointCorruptedException(CheckpointKey key, string relativePath, CorruptionKind kind, string detail)
        : base($"checkpoint {key} is corrupted: {relativePath}: {Describe(kind)} ({detail})")
    {
        Key = key;
        RelativePath = relativePath;
        Kind = kind;
        Detail = detail;
    }

    /// <summary>The checkpoint.</summary>
    public CheckpointKey Key { get; }

    /// <summary>The file, relative to the checkpoint directory.</summary>
    public string RelativePath { get; }

    /// <summary>What is wrong.</summary>
    public CorruptionKind Kind { get; }

    /// <summary>Expected and actual values, in words.</summary>
    public string Detail { get; }

    private static string Describe(CorruptionKind kind) => kind switch
    {
        CorruptionKind.Missing => "missing",
        CorruptionKind.SizeDiffers => "size differs",
        CorruptionKind.Sha256Differs => "SHA-256 differs",
        _ => "invalid manifest entry",
    };
}
